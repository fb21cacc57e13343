import type { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';
import { optionIssues } from './issues.js';
import type { LazySchema } from './lazy-schema.js';

/** Parse with zod and turn its issues into an InvalidOptionsError that names each field. */
export function parseOptions<S extends z.ZodType>(schema: S | LazySchema<S>, input: unknown, subject: string): z.output<S> {
  return parseOrThrow(typeof schema === 'function' ? schema() : schema, input ?? {}, subject);
}

/** `parseOptions` without its "undefined and null mean no options". */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  // reportInput: the messages say what was given ("got 1.5"), see wording.ts.
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new InvalidOptionsError(subject, optionIssues(result.error.issues, schema));
}
