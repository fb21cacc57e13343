import { resourceOptionsSchema, type ResourceOptions } from '@quiesce/core';

const KEYS = Object.keys(resourceOptionsSchema.shape) as (keyof ResourceOptions)[];

/** The core lifecycle fields (name, dependsOn, timeouts, policy) out of an adapter's parsed options. */
export function lifecycleFields(options: ResourceOptions): ResourceOptions {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) if (options[key] !== undefined) out[key] = options[key];
  return out as ResourceOptions;
}
