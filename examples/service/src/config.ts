import { lazySchema } from '@quiesce/core/kit';
import type { z } from 'zod';

/**
 * The service's configuration, from environment variables only (twelve-factor). The FAULT_*
 * variables inject the failures the end-to-end tests need; they default to off.
 *
 * Built with quiesce's `lazySchema`: zod is loaded when the config is parsed, not when this module
 * is imported, and it is the same instance quiesce validates with.
 */
export const configSchema = lazySchema((z) => {
  const ms = z.coerce.number().int().nonnegative();
  return z.object({
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// URL'),
    AMQP_URL: z.string().regex(/^amqps?:\/\//, 'expected an amqp:// URL'),
    QUEUE: z.string().min(1).default('orders'),
    SHUTDOWN_TIMEOUT_MS: ms.default(12_000),
    DRAIN_DELAY_MS: ms.default(1_000),
    /** Simulated work per request and per message, so that work is in flight when a signal arrives. */
    WORK_MS: ms.default(50),
    PREFETCH: z.coerce.number().int().positive().default(10),
    /** The audit log's stop never finishes (the "hung dependency" scenario). */
    FAULT_HANG_STOP: z.enum(['0', '1']).default('0'),
    /** The cache warmer's start takes this long (the "signal during startup" scenario). */
    FAULT_SLOW_START_MS: ms.default(0),
    /** The baseline: no quiesce signal handling, `process.exit()` on SIGTERM like many services do. */
    NAIVE: z.enum(['0', '1']).default('0'),
    /** Also print the shutdown report as one JSON line (`quiesce-report {...}`) on stdout, for tests. */
    REPORT_JSON: z.enum(['0', '1']).default('0'),
  });
});

export type Config = z.output<ReturnType<typeof configSchema>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema().safeParse(env);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new ConfigError(`Invalid configuration: ${fields}`);
}
