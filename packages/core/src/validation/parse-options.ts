import type { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';
import { optionIssues } from './issues.js';
import type { LazySchema } from './lazy-schema.js';

/** Parse with zod and turn its issues into an InvalidOptionsError that names each field. */
export function parseOptions<S extends z.ZodType>(schema: S | LazySchema<S>, input: unknown, subject: string): z.output<S> {
  const resolved = typeof schema === 'function' ? schema() : schema;
  const result = resolved.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new InvalidOptionsError(subject, optionIssues(result.error.issues));
}
