import { forceCloseConnections, withinBudget } from '@quiesce/core';
import mysql from 'mysql2';
import type { Connections } from './connections.js';
import type { CoreConnection, CorePool } from './driver.js';

const noop = (): void => {};

/**
 * The share of the force reserve kept free after the sockets are destroyed (core's default is a
 * quarter): killing many threads at once loads the machine, this process then runs its timers
 * late, and with a quarter the force path could still be destroying sockets when the node was
 * reported. Half leaves the kill a third of the reserve. (Same value and reason as the pg adapter.)
 */
export const SETTLE_SHARE = 0.5;

export interface ForceOutcome {
  /** Connections still open when the force path began. */
  connections: number;
  /** Threads `KILL` confirmed server-side. */
  killed: number;
}

/** Where a running force path is, for the report when the node's time runs out before it ends. */
export interface ForceProgress {
  ended: boolean;
  /** The KILL connection is open (connecting, or waiting for its answers). */
  killing: boolean;
}

/**
 * The force path (core's forceCloseConnections): busy threads killed server-side (`KILL <id>`) over
 * a separate connection, then every socket of ours closed or destroyed by `deadline`. `signal`
 * aborting destroys at once. Resolves once every socket is closed, the KILL connection's included
 * (awaited last: the destroy never waits for it).
 */
export async function forceClose(pool: CorePool, connections: Connections, deadline: number, signal: AbortSignal, progress: ForceProgress): Promise<ForceOutcome> {
  try {
    const open = [...connections.open];
    connections.forcing = true;
    for (const c of open) c.on('error', noop);
    if (!pool._closed) pool.end(noop);
    const ids = [...connections.busy].map((c) => c.threadId).filter((id): id is number => typeof id === 'number');
    let adminClosed: Promise<void> = Promise.resolve();
    const killed = await forceCloseConnections({
      deadline,
      signal,
      settleShare: SETTLE_SHARE,
      destroyOpen: () => {
        for (const c of connections.open) c.stream.destroy();
      },
      closed: () => connections.closed(),
      killBusy: ids.length > 0 ? (budgetMs, s) => killThreads(pool, ids, budgetMs, s, progress, (closed) => (adminClosed = closed)) : undefined,
    });
    // Ours too: the force path has ended only once the KILL connection has closed.
    await adminClosed;
    return { connections: open.length, killed };
  } finally {
    progress.ended = true;
  }
}

/** `KILL <id>` for each thread over one short-lived connection with the pool's own settings. */
async function killThreads(pool: CorePool, ids: number[], budgetMs: number, signal: AbortSignal, progress: ForceProgress, closing: (closed: Promise<void>) => void): Promise<number> {
  // Not even a connection attempt once the node's time is up (withinBudget would cut it at once).
  if (signal.aborted) return 0;
  // A copy of the pool's connection config (changeUser mutates it in place), with a connect timeout
  // that fits the budget.
  const config = Object.create(Object.getPrototypeOf(pool.config.connectionConfig), Object.getOwnPropertyDescriptors(pool.config.connectionConfig)) as { connectTimeout: number; pool?: unknown };
  config.connectTimeout = Math.max(1, Math.ceil(budgetMs));
  delete config.pool;
  const admin = new mysql.Connection({ config } as never) as unknown as CoreConnection & {
    query(sql: string, cb: (err: Error | null) => void): void;
  };
  admin.on('error', noop);
  // withinBudget destroys it in every case; 'close' comes within the loop iteration.
  const stream = admin.stream;
  progress.killing = true;
  closing(new Promise<void>((resolve) => stream.once('close', () => resolve())).then(() => void (progress.killing = false)));
  try {
    return await withinBudget(budgetMs, signal, () => stream.destroy(), async () => {
      let killed = 0;
      for (const id of ids) {
        const ok = await new Promise<boolean>((resolve) => admin.query(`KILL ${Number(id)}`, (err) => resolve(!err)));
        if (ok) killed++;
      }
      return killed;
    });
  } catch {
    return 0; // unreachable, frozen or not allowed: the sockets are destroyed all the same
  }
}
