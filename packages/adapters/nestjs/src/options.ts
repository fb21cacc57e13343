import type { z } from 'zod';
import { lazySchema, loggerSchema, resourceOptionsSchema, tokenSchema } from '@quiesce/core/kit';

// Durations and policies come from core's own resource schema, so they are bounded (and worded) the
// same as every other node's: `stopTimeoutMs` is a timeout (≥ 1), `reserveMs` a duration (≥ 0).
const fields = () => resourceOptionsSchema().shape;

/** One provider's settings: found by its Nest token (a class, string or symbol). */
const overrideSchema = lazySchema((z) =>
  z
    .object({
      token: tokenSchema(),
      name: fields().name,
      stopTimeoutMs: fields().stopTimeoutMs,
      policy: fields().policy,
      /**
       * Providers this one needs during its shutdown hooks that Nest does not inject into it
       * (looked up with `moduleRef.get()`): stopped after it.
       */
      dependsOn: z.array(tokenSchema()).optional(),
    })
    .strict(),
);

export const quiesceNestOptionsSchema = lazySchema((z) =>
  z
    .object({
      serviceName: z.string().min(1).max(200).optional(),
      /** The global deadline of the whole shutdown (default 30 s). */
      shutdownTimeoutMs: fields().stopTimeoutMs,
      /** Readiness fails for this long before the first provider stops (default 0). */
      drainDelayMs: fields().reserveMs,
      /** Each provider's own timeout unless overridden (default 10 s). */
      stopTimeoutMs: fields().stopTimeoutMs,
      overrides: z.array(overrideSchema()).optional(),
      logger: loggerSchema().optional(),
    })
    .strict(),
);

export type QuiesceNestOptions = z.input<ReturnType<typeof quiesceNestOptionsSchema>>;
export type ProviderOverride = z.output<ReturnType<typeof overrideSchema>>;
