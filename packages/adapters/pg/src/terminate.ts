import type { Socket } from 'node:net';
import pg from 'pg';
import type { Pool } from 'pg';

const noop = (): void => {};

/**
 * The force path's server-side step (the kit's PoolDriver.killBusy): busy backends terminated with
 * pg_terminate_backend() over a fresh connection with the pool's settings. The kit cuts that
 * connection at its budget (a frozen server accepts TCP and never answers) and destroys the
 * pool's sockets after it.
 */
export async function terminateBackends(pool: Pool, pids: readonly number[], budgetMs: number, connecting: (socket: Socket) => void): Promise<number> {
  // pg-pool keeps the password non-enumerable: a spread alone would drop it.
  const admin = new pg.Client({
    ...pool.options,
    password: pool.options.password,
    connectionTimeoutMillis: Math.ceil(budgetMs),
    query_timeout: Math.ceil(budgetMs),
  });
  admin.on('error', noop);
  connecting(admin.connection.stream as Socket);
  await admin.connect();
  const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS t(pid)', [[...pids]]);
  return rows.filter((r) => r.ok).length;
}
