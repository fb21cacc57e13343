import type { Socket } from 'node:net';
import mysql from 'mysql2';
import type { CoreConnection, CorePool } from './driver.js';

const noop = (): void => {};

/**
 * The force path's server-side step (the kit's PoolDriver.killBusy): `KILL <id>` for each busy
 * thread over one short-lived connection with the pool's own settings. The kit cuts that
 * connection at its budget (a frozen server accepts TCP and never answers) and destroys the
 * pool's sockets after it.
 */
export async function killThreads(pool: CorePool, ids: readonly number[], budgetMs: number, connecting: (socket: Socket) => void): Promise<number> {
  // A copy of the pool's connection config (changeUser mutates it in place), with a connect timeout
  // that fits the budget.
  const config = Object.create(Object.getPrototypeOf(pool.config.connectionConfig), Object.getOwnPropertyDescriptors(pool.config.connectionConfig)) as { connectTimeout: number; pool?: unknown };
  config.connectTimeout = Math.max(1, Math.ceil(budgetMs));
  delete config.pool;
  const admin = new mysql.Connection({ config } as never) as unknown as CoreConnection & {
    query(sql: string, cb: (err: Error | null) => void): void;
  };
  admin.on('error', noop);
  connecting(admin.stream);
  let killed = 0;
  for (const id of ids) {
    const ok = await new Promise<boolean>((resolve) => admin.query(`KILL ${Number(id)}`, (err) => resolve(!err)));
    if (ok) killed++;
  }
  return killed;
}
