import { resourceOptionsSchema, type Token } from '@quiesce/core';
import type { PoolOptions } from 'mysql2';
import { z } from 'zod';
import { isMysqlPool, type MysqlPool } from './driver.js';

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

export const mysqlPoolOptionsSchema = resourceOptionsSchema
  .extend({
    /** An existing pool (you built it; the container still ends it at shutdown). */
    pool: poolInstance.optional(),
    /** Or the options of a `mysql2/promise` pool to create when the node is first resolved. */
    config: poolConfig.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.pool === undefined && o.config === undefined) {
      ctx.addIssue({ code: 'custom', path: ['pool'], message: 'give `pool` (a mysql2 Pool) or `config` (mysql2 PoolOptions)' });
    } else if (o.pool !== undefined && o.config !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['config'], message: 'cannot be combined with `pool`: give exactly one of them' });
    }
  });

type Lifecycle = Omit<z.input<typeof mysqlPoolOptionsSchema>, 'pool' | 'config' | 'dependsOn'> & { dependsOn?: readonly unknown[] };

export type MysqlPoolOptions<P extends MysqlPool = MysqlPool> = Lifecycle & { pool?: P; config?: PoolOptions };

export const mysqlModuleOptionsSchema = z.object({
  token: z
    .custom<Token<MysqlPool>>((v) => typeof v === 'function' || typeof v === 'string' || typeof v === 'symbol', 'expected a class, string or symbol token')
    .optional(),
});

export type MysqlModuleOptions = MysqlPoolOptions & { token?: Token<MysqlPool> };
