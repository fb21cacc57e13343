import { type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleBinding } from '@quiesce/core/kit';
import type { MysqlPool } from './driver.js';
import type { MysqlModuleOptions } from './options.js';
import { defineMysqlPool } from './pool.js';

/**
 * A ready-made module: `app.load(mysqlModule({ config }))` binds the pool to `token` (default: the
 * node name, so `@inject('mysql')`), its node named `name`, else after the token, else `mysql`.
 */
export function mysqlModule(options: MysqlModuleOptions): LifecycleModule {
  const { token: _token, ...rest } = options ?? ({} as MysqlModuleOptions);
  const { name, token } = moduleBinding('mysqlModule', options ?? {}, 'mysql');
  const definition = defineMysqlPool({ ...rest, name }, 'mysqlModule');
  return lifecycleModule(name, (app) => app.resource<MysqlPool>(token, definition));
}
