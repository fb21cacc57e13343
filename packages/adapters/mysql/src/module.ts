import { type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import type { MysqlPool } from './driver.js';
import type { MysqlModuleOptions } from './options.js';
import { defineMysqlPool } from './pool.js';

/** The default token of `mysqlModule`: inject the pool with `@inject(MysqlPoolToken)`. */
export const MysqlPoolToken = Symbol.for('quiesce.mysql.pool');

/**
 * A ready-made module: `app.load(mysqlModule({ config }))` binds the pool to `token` (default
 * `MysqlPoolToken`) under the node name `mysql` unless named.
 */
export function mysqlModule(options: MysqlModuleOptions): LifecycleModule {
  const { token, ...rest } = options;
  parseOptions(moduleTokenSchema, { token }, 'mysqlModule');
  const definition = defineMysqlPool({ ...rest, name: rest.name ?? (token === undefined ? 'mysql' : undefined) }, 'mysqlModule');
  return lifecycleModule(definition.name ?? 'mysql', (app) => app.resource<MysqlPool>(token ?? MysqlPoolToken, definition));
}
