import { onAbort, parseOptions, type HookContext, type ResourceDefinition } from '@quiesce/core';
import pg from 'pg';
import type { Pool } from 'pg';
import { Connections, gateCheckouts } from './connections.js';
import { pgPoolOptionsSchema, type PgPoolOptions } from './options.js';
import { terminate } from './terminate.js';

/** Default reserveMs: what pool.end() needs once the checkouts are back (closing idle sockets). */
export const DEFAULT_RESERVE_MS = 500;

const tracked = new WeakMap<Pool, { connections: Connections; force?: Promise<void> }>();

/**
 * A `pg.Pool` as a lifecycle resource: `app.resource(Db, pgPool({ config: { connectionString } }))`.
 * Start runs `SELECT 1`, so a bad connection fails start(). Stop refuses new checkouts, waits for
 * those in progress, then `pool.end()` and waits for every socket to close; when the node's time
 * is up, busy backends are terminated server-side and the remaining sockets destroyed.
 */
export function pgPool(options: PgPoolOptions): ResourceDefinition<Pool> {
  return definePgPool(options, 'pgPool');
}

/** pgPool with the name validation errors carry (pgModule reports as itself). */
export function definePgPool(options: PgPoolOptions, subject: string): ResourceDefinition<Pool> {
  const { pool, config: _config, ...lifecycle } = parseOptions(pgPoolOptionsSchema, options, subject);
  const definition: ResourceDefinition<Pool> = {
    ...lifecycle,
    dependsOn: options.dependsOn,
    reserveMs: lifecycle.reserveMs ?? DEFAULT_RESERVE_MS,
    start: async (p, ctx) => {
      // An idle client whose backend dies (server restart, failover, admin terminate) makes the pool
      // emit 'error'; with no listener Node turns that into a crash. pg-pool already drops the client.
      if (p.listenerCount('error') === 0) p.on('error', (error) => process.emitWarning(`pg pool: idle client error: ${error.message}`, 'QuiescePgWarning'));
      tracked.set(p, { connections: new Connections(p) });
      gateCheckouts(p, ctx.inFlight);
      // A node whose start failed or was cut short is never stopped: end the pool here, so a
      // connection that completes after start gave up is closed instead of idling on.
      const abandon = (): void => {
        if (!p.ending) p.end().catch(() => {});
      };
      ctx.signal.addEventListener('abort', abandon, { once: true });
      try {
        await p.query('SELECT 1');
      } catch (error) {
        abandon();
        throw error;
      } finally {
        ctx.signal.removeEventListener('abort', abandon);
      }
    },
    quiesce: (p, ctx) => onTimeout(p, ctx),
    stop: async (p, ctx) => {
      onTimeout(p, ctx);
      const state = tracked.get(p);
      if (!state || ctx.signal.aborted) return state?.force;
      // In-flight checkouts have drained (core waited), so end() has only idle clients to close.
      if (!p.ending) await p.end();
      await state.connections.closed();
    },
  };
  // Exactly one of them, as core's resource() requires (validated above).
  if (pool) definition.value = pool;
  // The caller's own config object, not zod's copy: password functions, ssl objects and the like
  // reach pg exactly as given.
  else definition.create = () => new pg.Pool(options.config);
  return definition;
}

/** Run the force path once, the moment the node's time is up (its timeout, the deadline or its budget). */
function onTimeout(pool: Pool, ctx: HookContext): void {
  const state = tracked.get(pool);
  if (!state) return;
  const force = (): void => {
    // Nobody may await this (a drain cut short skips stop): never let it reject unhandled.
    state.force ??= terminate(pool, state.connections).catch(() => undefined);
  };
  onAbort(ctx.signal, force);
}
