import { forceAt, onAbort, parseOptions, type HookContext, type InFlight, type ResourceDefinition } from '@quiesce/core';
import mysql from 'mysql2/promise';
import type { Pool as PromisePool } from 'mysql2/promise';
import { Connections, gateCheckouts } from './connections.js';
import { corePoolOf, type CorePool, type MysqlPool } from './driver.js';
import { MysqlConnectionsLostError, MysqlForceClosedError } from './errors.js';
import { forceClose, type ForceOutcome, type ForceProgress } from './kill.js';
import { mysqlPoolOptionsSchema, type MysqlPoolOptions } from './options.js';
import { describePending } from './pending.js';

/** Default reserveMs: what pool.end() needs once the checkouts are back (QUIT to idle connections). */
export const DEFAULT_RESERVE_MS = 500;
/**
 * The end of the node's own time kept for the force path (KILL busy threads over a second
 * connection, then destroy sockets), capped at half the node's time, so it has finished when the
 * scheduler would give up on the node. Its second half is kept free after the destroy (kill.ts,
 * SETTLE_SHARE).
 */
export const FORCE_RESERVE_MS = 1_000;

interface PoolState {
  core: CorePool;
  connections: Connections;
  inFlight: InFlight;
  force?: Promise<ForceOutcome>;
  progress?: ForceProgress;
  /** Armed once per stop; `reached` resolves when the force path begins (the graceful wait then stops). */
  forceAt?: ReturnType<typeof forceAt>;
}

const tracked = new WeakMap<object, PoolState>();

/**
 * A mysql2 pool (MySQL or MariaDB) as a lifecycle resource:
 * `app.resource(Db, mysqlPool({ config: { uri } }))`. Start runs `SELECT 1`. Stop refuses new
 * checkouts, waits for those in progress, then `pool.end()` and waits for every socket to close;
 * when the node's time is up, busy threads are killed server-side (`KILL <id>`) and the remaining
 * sockets destroyed.
 */
export function mysqlPool<P extends MysqlPool = PromisePool>(options: MysqlPoolOptions<P>): ResourceDefinition<P> {
  // P only says which pool flavour the definition holds (a config makes a mysql2/promise pool);
  // the hooks treat both alike.
  return defineMysqlPool(options, 'mysqlPool') as unknown as ResourceDefinition<P>;
}

/** mysqlPool with the name validation errors carry (mysqlModule reports as itself). */
export function defineMysqlPool(options: MysqlPoolOptions, subject: string): ResourceDefinition<MysqlPool> {
  const { pool, config: _config, ...lifecycle } = parseOptions(mysqlPoolOptionsSchema, options, subject);
  const definition: ResourceDefinition<MysqlPool> = {
    ...lifecycle,
    dependsOn: options.dependsOn,
    reserveMs: lifecycle.reserveMs ?? DEFAULT_RESERVE_MS,
    start: async (p, ctx) => {
      const core = corePoolOf(p);
      const connections = new Connections(core);
      const state: PoolState = { core, connections, inFlight: ctx.inFlight };
      tracked.set(p, state);
      onAbort(ctx.shutdownRequested, () => connections.guard());
      gateCheckouts(core, connections, ctx.inFlight);
      // A node whose start failed or was cut short is never stopped: end the pool here, so a
      // connection that completes after start gave up is closed instead of idling on.
      const abandon = (): void => {
        if (!core._closed) core.end(() => {});
      };
      ctx.signal.addEventListener('abort', abandon, { once: true });
      try {
        await new Promise<void>((resolve, reject) => core.getConnection((err, c) => {
          if (err || !c) return reject(err ?? new Error('mysql pool: no connection'));
          c.release();
          resolve();
        }));
      } catch (error) {
        abandon();
        throw error;
      } finally {
        ctx.signal.removeEventListener('abort', abandon);
      }
    },
    quiesce: (p, ctx) => armForce(p, ctx),
    // What core's report shows when the stop's time ran out: "1 checkout still out", "2 connections open".
    pending: (p) => {
      const state = tracked.get(p);
      if (!state) return undefined;
      const pending = [...(describePending(state.inFlight.active, state.connections.open.size) ?? []), ...forceUnfinished(state)];
      return pending.length > 0 ? pending : undefined;
    },
    stop: async (p, ctx) => {
      armForce(p, ctx);
      const state = tracked.get(p);
      if (!state?.forceAt) return;
      const forceBegun = state.forceAt.reached;
      try {
        if (!state.force) {
          // The checkouts have drained (core waited), so end() has only idle connections to QUIT.
          if (!state.core._closed) await Promise.race([endPool(state.core), forceBegun]);
          await Promise.race([state.connections.closed(), forceBegun]);
        }
        if (state.force) {
          const { connections, killed } = await state.force;
          throw new MysqlForceClosedError(connections, killed);
        }
        const { lost, lostCause } = state.connections;
        if (lost > 0) throw new MysqlConnectionsLostError(lost, lostCause);
      } finally {
        state.forceAt.cancel();
      }
    },
  };
  if (pool) definition.value = pool;
  // The caller's own options object, not zod's copy: ssl objects, typeCast functions and the like
  // reach mysql2 exactly as given.
  else definition.create = () => mysql.createPool(options.config!);
  return definition;
}

function endPool(core: CorePool): Promise<void> {
  // A connection whose QUIT fails (server gone) is reported by Connections as lost; end's own error adds nothing.
  return new Promise((resolve) => core.end(() => resolve()));
}

/**
 * Arm the force path once per stop (core's forceAt): it begins FORCE_RESERVE_MS (at most half the
 * node's time) before the node's deadline; if the node's signal aborts first, it begins then and
 * destroys at once.
 */
function armForce(pool: MysqlPool, ctx: HookContext): void {
  const state = tracked.get(pool);
  if (!state || state.forceAt) return;
  state.forceAt = forceAt(ctx, FORCE_RESERVE_MS, () => {
    const progress: ForceProgress = (state.progress = { ended: false, killing: false });
    // Nobody may await this (a drain cut short skips stop): never let it reject unhandled.
    state.force ??= forceClose(state.core, state.connections, ctx.deadline, ctx.signal, progress).catch(() => ({ connections: state.connections.open.size, killed: 0 }));
  });
}

/**
 * Read when the node's time runs out, before the force path's own abort listeners destroy what
 * is left (at once, synchronously): a force path the deadline caught still running is in the
 * report, instead of ending unseen after it.
 */
function forceUnfinished(state: PoolState): string[] {
  if (!state.progress || state.progress.ended) return [];
  const open = state.connections.open.size;
  const held = [...(open > 0 ? [`${open} ${open === 1 ? 'connection' : 'connections'}`] : []), ...(state.progress.killing ? ['the KILL connection'] : [])];
  return [`force path still running at the deadline${held.length > 0 ? `: ${held.join(' and ')} destroyed then` : ''}`];
}
