import { forceCloseConnections, withinBudget } from '@quiesce/core';
import pg from 'pg';
import type { Pool } from 'pg';
import type { Connections } from './connections.js';

const noop = (): void => {};

/**
 * The share of the force reserve kept free after the sockets are destroyed (core's default is a
 * quarter). Terminating many backends at once loads the machine (their processes exit together):
 * measured with 40 backends on a loaded 2-core machine, this process ran its timers up to ~200 ms
 * late right after the terminate, and with a quarter of a 500 ms reserve the force path was still
 * destroying sockets when the node was reported. Half leaves the kill a third of the reserve.
 */
export const SETTLE_SHARE = 0.5;

export interface ForceOutcome {
  /** Connections still open when the force path began. */
  connections: number;
  /** Backends pg_terminate_backend() confirmed. */
  terminated: number;
}

/** Where a running force path is, for the report when the node's time runs out before it ends. */
export interface ForceProgress {
  ended: boolean;
  /** The terminate connection is open (connecting, or waiting for its answer). */
  terminating: boolean;
}

/**
 * The force path (core's forceCloseConnections): busy backends terminated server-side with
 * pg_terminate_backend() over a second connection, then every socket of ours closed or destroyed
 * by `deadline`. `signal` aborting destroys at once. Resolves once every socket is closed, the
 * terminate connection's included (awaited last: the destroy never waits for it).
 */
export async function terminate(pool: Pool, connections: Connections, deadline: number, signal: AbortSignal, progress: ForceProgress): Promise<ForceOutcome> {
  try {
    const clients = [...connections.open];
    connections.forcing = true;
    // A terminated client emits 'error' ("Connection terminated unexpectedly"); a checked-out client
    // has no pool listener, and an unheard 'error' would crash the process.
    for (const client of clients) client.on('error', noop);
    if (!pool.ending) pool.end().catch(noop);
    // processID is set from the BackendKeyData message (untyped in @types/pg).
    const pids = clients.map((c) => (c as unknown as { processID: number | null }).processID).filter((pid) => typeof pid === 'number');
    let adminClosed: Promise<void> = Promise.resolve();
    const terminated = await forceCloseConnections({
      deadline,
      signal,
      settleShare: SETTLE_SHARE,
      destroyOpen: () => {
        for (const client of connections.open) client.connection.stream.destroy();
      },
      closed: () => connections.closed(),
      killBusy: pids.length > 0 ? (budgetMs, s) => terminateBackends(pool, pids, budgetMs, s, progress, (closed) => (adminClosed = closed)) : undefined,
    });
    // Ours too: the force path has ended only once the terminate connection has closed.
    await adminClosed;
    return { connections: clients.length, terminated };
  } finally {
    progress.ended = true;
  }
}

async function terminateBackends(pool: Pool, pids: number[], budgetMs: number, signal: AbortSignal, progress: ForceProgress, closing: (closed: Promise<void>) => void): Promise<number> {
  // pg-pool keeps the password non-enumerable: a spread alone would drop it.
  const admin = new pg.Client({
    ...pool.options,
    password: pool.options.password,
    connectionTimeoutMillis: Math.ceil(budgetMs),
    query_timeout: Math.ceil(budgetMs),
  });
  admin.on('error', noop);
  // withinBudget destroys it in every case; 'close' comes within the loop iteration.
  const stream = admin.connection.stream;
  progress.terminating = true;
  closing(new Promise<void>((resolve) => stream.once('close', () => resolve())).then(() => void (progress.terminating = false)));
  try {
    return await withinBudget(budgetMs, signal, () => stream.destroy(), async () => {
      await admin.connect();
      const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS t(pid)', [pids]);
      return rows.filter((r) => r.ok).length;
    });
  } catch {
    return 0; // unreachable, frozen or not allowed: the sockets are destroyed all the same
  }
}
