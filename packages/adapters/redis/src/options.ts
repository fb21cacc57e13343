import { parseOptions, resourceOptionsSchema, type ResourceOptions } from '@quiesce/core';
import { z } from 'zod';

const LIFECYCLE_FIELDS = Object.keys(resourceOptionsSchema.shape);

/**
 * The lifecycle fields plus one driver's connection fields, checked strictly (a typo is named),
 * with `client` exclusive of the fields that would build a client.
 */
export function parseClientOptions<C extends Record<string, z.ZodType>>(
  subject: string,
  input: unknown,
  connection: C,
  buildFields: readonly (keyof C & string)[],
): { lifecycle: ResourceOptions; connection: Partial<z.output<z.ZodObject<C>>> } {
  const schema = resourceOptionsSchema
    .extend(connection)
    .strict()
    .superRefine((value, ctx) => {
      const record = value as Record<string, unknown>;
      if (record.client === undefined) return;
      for (const field of buildFields.filter((f) => record[f] !== undefined)) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'give either `client` or the options to build one, not both' });
      }
    });
  const parsed = parseOptions(schema, input, subject) as Record<string, unknown>;
  const lifecycle: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) (LIFECYCLE_FIELDS.includes(key) ? lifecycle : rest)[key] = value;
  return { lifecycle: lifecycle as ResourceOptions, connection: rest as Partial<z.output<z.ZodObject<C>>> };
}

export const redisUrl = z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL');

export const plainObject = <T>(what: string) =>
  z.custom<T>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), `expected ${what}`);

/** Duck-typed: a peer dependency may be installed twice, so `instanceof` would lie. */
export const clientWith = <T>(methods: readonly string[], what: string) =>
  z.custom<T>(
    (v) => typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    `expected ${what}`,
  );
