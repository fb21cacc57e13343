import { forceCloseConnections, withinBudget } from '@quiesce/core';
import mysql from 'mysql2';
import type { Connections } from './connections.js';
import type { CoreConnection, CorePool } from './driver.js';

const noop = (): void => {};

export interface ForceOutcome {
  /** Connections still open when the force path began. */
  connections: number;
  /** Threads `KILL` confirmed server-side. */
  killed: number;
}

/**
 * The force path (core's forceCloseConnections): busy threads killed server-side (`KILL <id>`) over
 * a separate connection, then every socket of ours closed or destroyed by `deadline`. `signal`
 * aborting destroys at once.
 */
export async function forceClose(pool: CorePool, connections: Connections, deadline: number, signal: AbortSignal): Promise<ForceOutcome> {
  const open = [...connections.open];
  connections.forcing = true;
  for (const c of open) c.on('error', noop);
  if (!pool._closed) pool.end(noop);
  const ids = [...connections.busy].map((c) => c.threadId).filter((id): id is number => typeof id === 'number');
  const killed = await forceCloseConnections({
    deadline,
    signal,
    destroyOpen: () => {
      for (const c of connections.open) c.stream.destroy();
    },
    closed: () => connections.closed(),
    killBusy: ids.length > 0 ? (budgetMs, s) => killThreads(pool, ids, budgetMs, s) : undefined,
  });
  return { connections: open.length, killed };
}

/** `KILL <id>` for each thread over one short-lived connection with the pool's own settings. */
async function killThreads(pool: CorePool, ids: number[], budgetMs: number, signal: AbortSignal): Promise<number> {
  // A copy of the pool's connection config (changeUser mutates it in place), with a connect timeout
  // that fits the budget.
  const config = Object.create(Object.getPrototypeOf(pool.config.connectionConfig), Object.getOwnPropertyDescriptors(pool.config.connectionConfig)) as { connectTimeout: number; pool?: unknown };
  config.connectTimeout = Math.max(1, Math.ceil(budgetMs));
  delete config.pool;
  const admin = new mysql.Connection({ config } as never) as unknown as CoreConnection & {
    query(sql: string, cb: (err: Error | null) => void): void;
  };
  admin.on('error', noop);
  return withinBudget(budgetMs, signal, () => admin.stream.destroy(), async () => {
    let killed = 0;
    for (const id of ids) {
      const ok = await new Promise<boolean>((resolve) => admin.query(`KILL ${Number(id)}`, (err) => resolve(!err)));
      if (ok) killed++;
    }
    return killed;
  });
}
