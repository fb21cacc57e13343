import { parseOptions, poolResource, type PoolDriver } from '@quiesce/core/kit';
import type { ResourceDefinition } from '@quiesce/core';
import mysql from 'mysql2/promise';
import type { Pool as PromisePool } from 'mysql2/promise';
import { Connections, gateCheckouts } from './connections.js';
import { corePoolOf, type CorePool, type MysqlPool } from './driver.js';
import { MysqlConnectionsLostError, MysqlForceClosedError } from './errors.js';
import { killThreads } from './kill.js';
import { mysqlPoolOptionsSchema, type MysqlPoolOptions } from './options.js';
import { describePending } from './pending.js';

/** Default reserveMs: what pool.end() needs once the checkouts are back (QUIT to idle connections). */
export const DEFAULT_RESERVE_MS = 500;
/**
 * The end of the node's own time kept for the force path (KILL busy threads over a second
 * connection, then destroy sockets), capped at half the node's time, so it has finished when the
 * scheduler would give up on the node. Its second half is kept free after the destroy
 * (SETTLE_SHARE).
 */
export const FORCE_RESERVE_MS = 1_000;
/**
 * The share of the force reserve kept free after the sockets are destroyed (core's default is a
 * quarter): killing many threads at once loads the machine, this process then runs its timers
 * late, and with a quarter the force path could still be destroying sockets when the node was
 * reported. Half leaves the kill a third of the reserve. (Same value and reason as the pg adapter.)
 */
export const SETTLE_SHARE = 0.5;

const noop = (): void => {};

interface Tracked extends Connections {
  readonly core: CorePool;
}

/** mysql2's calls for the kit's pool sequence (start, arm the force path, stop): nothing else lives here. */
const driver: PoolDriver<MysqlPool, Tracked> = {
  track: (p, inFlight) => {
    const core = corePoolOf(p);
    const connections = Object.assign(new Connections(core), { core });
    gateCheckouts(core, connections, inFlight);
    return connections;
  },
  probe: (p) =>
    new Promise<void>((resolve, reject) =>
      corePoolOf(p).getConnection((err, c) => {
        if (err || !c) return reject(err ?? new Error('mysql pool: no connection'));
        c.release();
        resolve();
      }),
    ),
  ended: (p) => corePoolOf(p)._closed,
  // A connection whose QUIT fails (server gone) is reported by Connections as lost; end's own error adds nothing.
  end: (p) => new Promise((resolve) => corePoolOf(p).end(() => resolve())),
  beginCut: (_p, connections) => {
    for (const c of connections.open) c.on('error', noop);
    return [...connections.busy].map((c) => c.threadId).filter((id): id is number => typeof id === 'number');
  },
  destroyOpen: (connections) => {
    for (const c of connections.open) c.stream.destroy();
  },
  killBusy: (p, ids, budgetMs, connecting) => killThreads(corePoolOf(p), ids, budgetMs, connecting),
  // What core's report shows when the stop's time ran out: "1 checkout still out", "2 connections open".
  pending: (_p, connections, inFlight) => describePending(inFlight.active, connections.open.size) ?? [],
  forceClosed: (node, connections, killed) => new MysqlForceClosedError(node, connections, killed),
  lost: (node, lost, cause) => new MysqlConnectionsLostError(node, lost, cause),
  killConnection: 'the KILL connection',
  settleShare: SETTLE_SHARE,
};

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
  return poolResource(driver, {
    lifecycle: { ...lifecycle, dependsOn: options.dependsOn, reserveMs: lifecycle.reserveMs ?? DEFAULT_RESERVE_MS },
    pool,
    // The caller's own options object, not zod's copy: ssl objects, typeCast functions and the like
    // reach mysql2 exactly as given.
    create: () => mysql.createPool(options.config!),
    forceReserveMs: FORCE_RESERVE_MS,
  });
}
