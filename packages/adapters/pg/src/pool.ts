import { parseOptions, poolResource, type PoolDriver } from '@quiesce/core/kit';
import type { ResourceDefinition } from '@quiesce/core';
import pg from 'pg';
import type { Pool } from 'pg';
import { Connections, gateCheckouts } from './connections.js';
import { pgPoolOptionsSchema, type PgPoolOptions } from './options.js';
import { PgConnectionsLostError, PgForceClosedError } from './errors.js';
import { terminateBackends } from './terminate.js';

/** Default reserveMs: what pool.end() needs once the checkouts are back (closing idle sockets). */
export const DEFAULT_RESERVE_MS = 500;
/**
 * The end of the node's own time kept for the force path (terminate busy backends over a second
 * connection, then destroy sockets), capped at half the node's time: the force path completes
 * inside the node's time instead of running on after it was reported. Its second half is kept
 * free after the destroy (SETTLE_SHARE).
 */
export const FORCE_RESERVE_MS = 1_000;
/**
 * The share of the force reserve kept free after the sockets are destroyed (core's default is a
 * quarter). Terminating many backends at once loads the machine (their processes exit together):
 * measured with 40 backends on a loaded 2-core machine, this process ran its timers up to ~200 ms
 * late right after the terminate, and with a quarter of a 500 ms reserve the force path was still
 * destroying sockets when the node was reported. Half leaves the kill a third of the reserve.
 */
export const SETTLE_SHARE = 0.5;

const noop = (): void => {};

/** pg's calls for the kit's pool sequence (start, arm the force path, stop): nothing else lives here. */
const driver: PoolDriver<Pool, Connections> = {
  track: (p, inFlight, node) => {
    // An idle client whose backend dies (server restart, failover, admin terminate) makes the pool
    // emit 'error'; with no listener Node turns that into a crash. pg-pool already drops the client.
    if (p.listenerCount('error') === 0) p.on('error', (error) => process.emitWarning(`${node}: pg pool: idle client error: ${error.message}`, 'QuiescePgWarning'));
    const connections = new Connections(p);
    gateCheckouts(p, inFlight);
    return connections;
  },
  probe: async (p) => void (await p.query('SELECT 1')),
  ended: (p) => p.ending,
  end: (p) => p.end().catch(noop),
  beginCut: (_p, connections) => {
    const clients = [...connections.open];
    // A terminated client emits 'error' ("Connection terminated unexpectedly"); a checked-out client
    // has no pool listener, and an unheard 'error' would crash the process.
    for (const client of clients) client.on('error', noop);
    // processID is set from the BackendKeyData message (untyped in @types/pg).
    return clients.map((c) => (c as unknown as { processID: number | null }).processID).filter((pid): pid is number => typeof pid === 'number');
  },
  destroyOpen: (connections) => {
    for (const client of connections.open) client.connection.stream.destroy();
  },
  killBusy: terminateBackends,
  pending: (p) => {
    const busy = p.totalCount - p.idleCount;
    const open: string[] = [];
    if (busy > 0) open.push(`${busy} ${busy === 1 ? 'checkout' : 'checkouts'} still out`);
    if (p.waitingCount > 0) open.push(`${p.waitingCount} ${p.waitingCount === 1 ? 'query' : 'queries'} waiting for a connection`);
    return open;
  },
  forceClosed: (node, connections, terminated) => new PgForceClosedError(node, connections, terminated),
  lost: (node, lost, cause) => new PgConnectionsLostError(node, lost, cause),
  killConnection: 'the terminate connection',
  settleShare: SETTLE_SHARE,
};

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
  return poolResource(driver, {
    lifecycle: { ...lifecycle, dependsOn: options.dependsOn, reserveMs: lifecycle.reserveMs ?? DEFAULT_RESERVE_MS },
    pool,
    // The caller's own config object, not zod's copy: password functions, ssl objects and the like
    // reach pg exactly as given.
    create: () => new pg.Pool(options.config),
    forceReserveMs: FORCE_RESERVE_MS,
  });
}
