import { forceAt, onAbort, parseOptions, type HookContext, type ResourceDefinition } from '@quiesce/core';
import pg from 'pg';
import type { Pool } from 'pg';
import { Connections, gateCheckouts } from './connections.js';
import { pgPoolOptionsSchema, type PgPoolOptions } from './options.js';
import { PgConnectionsLostError, PgForceClosedError } from './errors.js';
import { terminate, type ForceOutcome, type ForceProgress } from './terminate.js';

/** Default reserveMs: what pool.end() needs once the checkouts are back (closing idle sockets). */
export const DEFAULT_RESERVE_MS = 500;
/**
 * The end of the node's own time kept for the force path (terminate busy backends over a second
 * connection, then destroy sockets), capped at half the node's time: the force path completes
 * inside the node's time instead of running on after it was reported. Its second half is kept
 * free after the destroy (terminate.ts, SETTLE_SHARE).
 */
export const FORCE_RESERVE_MS = 1_000;

interface PoolState {
  connections: Connections;
  /** The force path, once begun, and where it is. */
  force?: Promise<ForceOutcome>;
  progress?: ForceProgress;
  /** Armed once per stop; `reached` resolves when the force path begins (the graceful wait then stops). */
  forceAt?: ReturnType<typeof forceAt>;
}

const tracked = new WeakMap<Pool, PoolState>();

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
      const connections = new Connections(p);
      tracked.set(p, { connections });
      onAbort(ctx.shutdownRequested, () => connections.guard());
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
    quiesce: (p, ctx) => armForce(p, ctx),
    pending: (p) => [...checkoutsOut(p), ...forceUnfinished(p)],
    stop: async (p, ctx) => {
      armForce(p, ctx);
      const state = tracked.get(p);
      if (!state?.forceAt) return;
      const forceBegun = state.forceAt.reached;
      try {
        if (!state.force) {
          // In-flight checkouts have drained (core waited), so end() has only idle clients to close.
          if (!p.ending) await Promise.race([p.end(), forceBegun]);
          await Promise.race([state.connections.closed(), forceBegun]);
        }
        if (state.force) {
          const { connections, terminated } = await state.force;
          throw new PgForceClosedError(connections, terminated);
        }
        const { lost, lostCause } = state.connections;
        if (lost > 0) throw new PgConnectionsLostError(lost, lostCause);
      } finally {
        state.forceAt.cancel();
      }
    },
  };
  // Exactly one of them, as core's resource() requires (validated above).
  if (pool) definition.value = pool;
  // The caller's own config object, not zod's copy: password functions, ssl objects and the like
  // reach pg exactly as given.
  else definition.create = () => new pg.Pool(options.config);
  return definition;
}

/**
 * Arm the force path once per stop (core's forceAt): it begins FORCE_RESERVE_MS (at most half the
 * node's time) before the node's deadline, so it has finished when the scheduler would give up on
 * the node; if the node's signal aborts first, it begins then and destroys at once.
 */
function armForce(pool: Pool, ctx: HookContext): void {
  const state = tracked.get(pool);
  if (!state || state.forceAt) return;
  state.forceAt = forceAt(ctx, FORCE_RESERVE_MS, () => {
    const progress: ForceProgress = (state.progress = { ended: false, terminating: false });
    // Nobody may await this (a drain cut short skips stop): never let it reject unhandled.
    state.force ??= terminate(pool, state.connections, ctx.deadline, ctx.signal, progress).catch(() => ({ connections: state.connections.open.size, terminated: 0 }));
  });
}

/**
 * Read when the node's time runs out, before the force path's own abort listeners destroy what
 * is left (at once, synchronously): a force path the deadline caught still running is in the
 * report, with what it still held, instead of ending unseen after it.
 */
function forceUnfinished(p: Pool): string[] {
  const state = tracked.get(p);
  if (!state?.progress || state.progress.ended) return [];
  const open = state.connections.open.size;
  const held = [...(open > 0 ? [`${open} ${open === 1 ? 'connection' : 'connections'}`] : []), ...(state.progress.terminating ? ['the terminate connection'] : [])];
  return [`force path still running at the deadline${held.length > 0 ? `: ${held.join(' and ')} destroyed then` : ''}`];
}

/** What the pool still holds when the node's time runs out, for the report's `cut.open`. */
function checkoutsOut(p: Pool): string[] {
  const busy = p.totalCount - p.idleCount;
  const open: string[] = [];
  if (busy > 0) open.push(`${busy} ${busy === 1 ? 'checkout' : 'checkouts'} still out`);
  if (p.waitingCount > 0) open.push(`${p.waitingCount} ${p.waitingCount === 1 ? 'query' : 'queries'} waiting for a connection`);
  return open;
}
