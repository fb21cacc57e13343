import { type ResourceOptions } from '@quiesce/core';
import { exactlyOneOf, lazySchema, lifecycleFields, parseOptions, renamedFields, resourceOptionsSchema, type LazySchema, type Zod } from '@quiesce/core/kit';
import type { z } from 'zod';

/**
 * The lifecycle fields plus one driver's `client` (adopted) and `config` (a URL or the driver's
 * options, to build one), exactly one of them, checked strictly (a typo is named); the 0.x names
 * `url` and the driver's options field are refused saying their new name. Built on first use (zod
 * is not loaded by importing the adapter).
 */
export function clientOptionsSchema<C extends Record<string, z.ZodType>>(connection: (z: Zod) => C, renamed: readonly string[], driverName: string) {
  return lazySchema((z) =>
    resourceOptionsSchema()
      .extend({ ...connection(z), ...renamedFields(z, Object.fromEntries(renamed.map((old) => [old, 'config']))) })
      .strict()
      .superRefine(exactlyOneOf<Record<string, unknown>>('client', 'config', `give \`client\` (${driverName} client) or \`config\` (a redis:// URL or ${driverName} options)`)),
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
