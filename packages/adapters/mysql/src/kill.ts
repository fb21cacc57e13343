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
 * The force path: leave nothing of ours open, on either side of the wire, by `deadline` (epoch
 * ms). Destroying a socket alone is not enough: a thread busy in a query (SLEEP, a lock wait) does
 * not notice its client left and runs on, holding its locks, so busy threads are killed
 * server-side first, over a separate connection (half the time left: a frozen server accepts the
 * TCP connection and never answers), then what is still open gets a quarter of the rest to close,
 * then every socket is destroyed. `signal` aborting (the node's time is up) destroys at once.
 */
export async function forceClose(pool: CorePool, connections: Connections, deadline: number, signal: AbortSignal): Promise<ForceOutcome> {
  const open = [...connections.open];
  connections.forcing = true;
  for (const c of open) c.on('error', noop);
  if (!pool._closed) pool.end(noop);
  const destroyAll = (): void => {
    for (const c of connections.open) c.stream.destroy();
  };
  signal.addEventListener('abort', destroyAll, { once: true });
  try {
    const ids = [...connections.busy].map((c) => c.threadId).filter((id): id is number => typeof id === 'number');
    const reserve = Math.max(0, deadline - Date.now());
    const killed = ids.length > 0 && reserve > 0 ? await killThreads(pool, ids, reserve / 2, signal) : 0;
    await Promise.race([connections.closed(), sleep(Math.max(0, deadline - reserve / 4 - Date.now()), signal)]);
    destroyAll();
    await connections.closed(); // destroyed sockets close within a tick
    return { connections: open.length, killed };
  } finally {
    signal.removeEventListener('abort', destroyAll);
  }
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
  const cut = (): void => {
    admin.stream.destroy();
  };
  const timer = setTimeout(cut, budgetMs);
  signal.addEventListener('abort', cut, { once: true });
  try {
    let killed = 0;
    for (const id of ids) {
      const ok = await new Promise<boolean>((resolve) => admin.query(`KILL ${Number(id)}`, (err) => resolve(!err)));
      if (ok) killed++;
    }
    return killed;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', cut);
    cut();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
