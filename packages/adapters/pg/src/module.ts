import { type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import pg from 'pg';
import type { PgModuleOptions } from './options.js';
import { definePgPool } from './pool.js';

/**
 * A ready-made module: `app.load(pgModule({ config }))` binds the pool to `token` (default: the
 * `pg.Pool` class itself, so `@inject(Pool)` works) under the node name `pg` unless named.
 */
export function pgModule(options: PgModuleOptions): LifecycleModule {
  const { token, ...rest } = options;
  parseOptions(moduleTokenSchema, { token }, 'pgModule');
  const definition = definePgPool({ ...rest, name: rest.name ?? (token === undefined ? 'pg' : undefined) }, 'pgModule');
  return lifecycleModule(definition.name ?? 'pg', (app) => app.resource(token ?? pg.Pool, definition));
}
