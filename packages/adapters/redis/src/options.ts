import { type ResourceOptions } from '@quiesce/core';
import { lazySchema, lifecycleFields, parseOptions, resourceOptionsSchema, type LazySchema, type Zod } from '@quiesce/core/kit';
import type { z } from 'zod';

/**
 * The lifecycle fields plus one driver's connection fields, checked strictly (a typo is named),
 * with `client` exclusive of the fields that would build a client. Built on first use (zod is not
 * loaded by importing the adapter).
 */
export function clientOptionsSchema<C extends Record<string, z.ZodType>>(connection: (z: Zod) => C, buildFields: readonly (keyof C & string)[]) {
  return lazySchema((z) =>
    resourceOptionsSchema()
      .extend(connection(z))
      .strict()
      .superRefine((value, ctx) => {
        const record = value as Record<string, unknown>;
        if (record.client === undefined) return;
        for (const field of buildFields.filter((f) => record[f] !== undefined)) {
          ctx.addIssue({ code: 'custom', path: [field], message: 'give either `client` or the options to build one, not both' });
        }
      }),
  );
}

/** Parsed and split: the lifecycle fields for core, the connection fields for the driver. */
export function parseClientOptions<L extends LazySchema>(subject: string, input: unknown, schema: L): { lifecycle: ResourceOptions; connection: Partial<z.output<ReturnType<L>>> } {
  const { lifecycle, rest } = lifecycleFields(parseOptions(schema, input, subject) as object);
  return { lifecycle, connection: rest as Partial<z.output<ReturnType<L>>> };
}

export const redisUrl = (z: Zod) => z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL');

export const plainObject = <T>(z: Zod, what: string) =>
  z.custom<T>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), `expected ${what}`);

/** Duck-typed: a peer dependency may be installed twice, so `instanceof` would lie. */
export const clientWith = <T>(z: Zod, methods: readonly string[], what: string) =>
  z.custom<T>(
    (v) => typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    `expected ${what}`,
  );
