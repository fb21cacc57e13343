import { type LifecycleModule, type Token } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import { defineFlushable } from './flushable.js';
import { requiredTokenSchema, type FlushableOptions, type PinoLoggerOptions } from './options.js';
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

/** `app.load(flushableModule({ token: AuditLog, stream }))`: a stream has no natural token, so it is required. */
export function flushableModule<S extends object>(options: FlushableOptions<S> & { token: Token<S> }): LifecycleModule {
  const { token, ...rest } = options;
  parseOptions(requiredTokenSchema, { token }, 'flushableModule');
  const definition = defineFlushable<S>(rest, 'flushableModule');
  const tokenName = typeof token === 'function' ? token.name : typeof token === 'symbol' ? (token.description ?? 'stream') : String(token);
  return lifecycleModule(definition.name ?? tokenName, (app) => app.resource<S>(token, definition));
}
