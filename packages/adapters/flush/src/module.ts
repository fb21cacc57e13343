import { type LifecycleModule, type Token } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import { defineFlushable } from './flushable.js';
import { type FlushableOptions, type PinoLoggerOptions } from './options.js';
import { definePinoLogger } from './pino.js';

/**
 * `app.load(pinoModule({ logger }))` binds the logger to `token` (default `'logger'`) under the node
 * name `pino` unless named.
 */
export function pinoModule<L extends object>(options: PinoLoggerOptions<L> & { token?: Token<L> }): LifecycleModule {
  const { token, ...rest } = options;
  parseOptions(moduleTokenSchema, { token }, 'pinoModule');
  const definition = definePinoLogger<L>({ ...rest, name: rest.name ?? (token === undefined ? 'pino' : undefined) }, 'pinoModule');
  return lifecycleModule(definition.name ?? 'pino', (app) => app.resource<L>(token ?? 'logger', definition));
}

/**
 * `app.load(flushableModule({ stream, name: 'audit' }))` binds the stream under its node name
 * (default `flushable`) as token, the kit's rule (issue #27); `token: AuditLog` binds it there
 * instead, the node then named after the token unless named.
 */
export function flushableModule<S extends object>(options: FlushableOptions<S> & { token?: Token<S> }): LifecycleModule {
  const { token, ...rest } = options;
  parseOptions(moduleTokenSchema, { token }, 'flushableModule');
  const definition = defineFlushable<S>({ ...rest, name: rest.name ?? (token === undefined ? 'flushable' : undefined) }, 'flushableModule');
  const tokenName = typeof token === 'function' ? token.name : typeof token === 'symbol' ? (token.description ?? 'stream') : String(token);
  const name = definition.name ?? tokenName;
  return lifecycleModule(name, (app) => app.resource<S>(token ?? name, definition));
}
