import { type Token } from '@quiesce/core';
import { exactlyOneOf, lazySchema, resourceOptionsSchema } from '@quiesce/core/kit';
import type { Pool, PoolConfig } from 'pg';
import type { z } from 'zod';

export const pgPoolOptionsSchema = lazySchema((z) => {
  const poolInstance = z.custom<Pool>(
    (v) => typeof v === 'object' && v !== null && ['connect', 'query', 'end', 'on'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    'expected a pg.Pool instance',
  );

  // Only the fields whose mistakes would otherwise surface late (at the first query) are checked;
  // everything else (ssl, types, password functions...) passes through to pg untouched.
  const poolConfig = z.looseObject({
    connectionString: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65_535).optional(),
    max: z.number().int().positive().optional(),
    min: z.number().int().nonnegative().optional(),
    application_name: z.string().optional(),
    connectionTimeoutMillis: z.number().int().nonnegative().optional(),
    idleTimeoutMillis: z.number().int().nonnegative().nullable().optional(),
  });
  return resourceOptionsSchema()
    .extend({
      /** An existing pool (you built it; the container still ends it at shutdown). */
      pool: poolInstance.optional(),
      /** Or the config of a pool to create when the node is first resolved. */
      config: poolConfig.optional(),
    })
    .superRefine(exactlyOneOf('pool', 'config', 'give `pool` (a pg.Pool) or `config` (a pg PoolConfig)'));
});

export type PgPoolOptions = Omit<z.input<ReturnType<typeof pgPoolOptionsSchema>>, 'pool' | 'config' | 'dependsOn'> & {
  pool?: Pool;
  config?: PoolConfig;
  dependsOn?: readonly unknown[];
};

export type PgModuleOptions = PgPoolOptions & { token?: Token<Pool> };
