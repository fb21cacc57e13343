import { type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleBinding } from '@quiesce/core/kit';
import type { PgModuleOptions } from './options.js';
import { definePgPool } from './pool.js';

/**
 * A ready-made module: `app.load(pgModule({ config }))` binds the pool to `token` (default: the
 * node name, so `@inject('pg')`), its node named `name`, else after the token, else `pg`.
 */
export function pgModule(options: PgModuleOptions): LifecycleModule {
  const { token: _token, ...rest } = options ?? ({} as PgModuleOptions);
  const { name, token } = moduleBinding('pgModule', options ?? {}, 'pg');
  const definition = definePgPool({ ...rest, name }, 'pgModule');
  return lifecycleModule(name, (app) => app.resource(token, definition));
}
