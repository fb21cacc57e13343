import type { z } from 'zod';
import loadZod from './load-zod.cjs';

/** zod's `z` namespace. */
export type Zod = typeof z;

let loaded: Zod | undefined;

/**
 * zod, loaded the first time something is validated (see load-zod.cjs for why and which build).
 * Every schema of quiesce and its adapters is built from this one instance, which is also the one
 * an app's own `import { z } from 'zod'` gets wherever Node can require ES modules quietly: zod is
 * then loaded once per process, not twice.
 */
export function zod(): Zod {
  return (loaded ??= loadZod().z);
}

/** A zod schema that is built the first time it is called, from `zod()`. */
export type LazySchema<S extends z.ZodType = z.ZodType> = () => S;

/**
 * Declare a schema without loading zod: `build` runs once, on the first call. Adapters extend
 * core's schemas inside their own builder: `lazySchema((z) => resourceOptionsSchema().extend({ … }))`.
 */
export function lazySchema<S extends z.ZodType>(build: (z: Zod) => S): LazySchema<S> {
  let schema: S | undefined;
  return () => (schema ??= build(zod()));
}
