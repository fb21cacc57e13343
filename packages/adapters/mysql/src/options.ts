import { type Token } from '@quiesce/core';
import { exactlyOneOf, lazySchema, resourceOptionsSchema } from '@quiesce/core/kit';
import type { PoolOptions } from 'mysql2';
import type { z } from 'zod';
import { isMysqlPool, type MysqlPool } from './driver.js';

export const mysqlPoolOptionsSchema = lazySchema((z) => {
  const poolInstance = z.custom<MysqlPool>(isMysqlPool, 'expected a mysql2 Pool (from mysql2 or mysql2/promise)');

  // Only the fields whose mistakes would otherwise surface late (at the first query) are checked;
  // everything else (ssl, typeCast, authPlugins...) passes through to mysql2 untouched.
  const poolConfig = z.looseObject({
    uri: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65_535).optional(),
    user: z.string().optional(),
    database: z.string().optional(),
    connectionLimit: z.number().int().positive().optional(),
    maxIdle: z.number().int().nonnegative().optional(),
    idleTimeout: z.number().int().nonnegative().optional(),
    queueLimit: z.number().int().nonnegative().optional(),
    connectTimeout: z.number().int().positive().optional(),
    waitForConnections: z.boolean().optional(),
  });
  return resourceOptionsSchema()
    .extend({
      /** An existing pool (you built it; the container still ends it at shutdown). */
      pool: poolInstance.optional(),
      /** Or the options of a `mysql2/promise` pool to create when the node is first resolved. */
      config: poolConfig.optional(),
    })
    .superRefine(exactlyOneOf('pool', 'config', 'give `pool` (a mysql2 Pool) or `config` (mysql2 PoolOptions)'));
});

type Lifecycle = Omit<z.input<ReturnType<typeof mysqlPoolOptionsSchema>>, 'pool' | 'config' | 'dependsOn'> & { dependsOn?: readonly unknown[] };

export type MysqlPoolOptions<P extends MysqlPool = MysqlPool> = Lifecycle & { pool?: P; config?: PoolOptions };

export type MysqlModuleOptions = MysqlPoolOptions & { token?: Token<MysqlPool> };
