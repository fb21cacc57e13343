import pg from 'pg';
import type { Pool } from 'pg';
import type { Connections } from './connections.js';

const noop = (): void => {};

export interface ForceOutcome {
  /** Connections still open when the force path began. */
  connections: number;
  /** Backends pg_terminate_backend() confirmed. */
  terminated: number;
}

/**
 * The force path: leave nothing of ours open, on either side of the wire, by `deadline` (epoch
 * ms). Destroying a socket alone is not enough: a backend busy in a query (pg_sleep, a lock wait)
 * does not notice its client is gone and runs on, so the busy backends are terminated server-side
 * first, over a second connection, which takes time (a frozen server never answers it): the admin
 * step gets half the time left, the sockets' own close a quarter, then whatever is open is
 * destroyed. `signal` aborting (the node's time is up) destroys everything at once.
 */
export async function terminate(pool: Pool, connections: Connections, deadline: number, signal: AbortSignal): Promise<ForceOutcome> {
  const clients = [...connections.open];
  connections.forcing = true;
  // A terminated client emits 'error' ("Connection terminated unexpectedly"); a checked-out client
  // has no pool listener, and an unheard 'error' would crash the process.
  for (const client of clients) client.on('error', noop);
  if (!pool.ending) pool.end().catch(noop);
  const destroyAll = (): void => {
    for (const client of connections.open) client.connection.stream.destroy();
  };
  signal.addEventListener('abort', destroyAll, { once: true });
  try {
    // processID is set from the BackendKeyData message (untyped in @types/pg).
    const pids = clients.map((c) => (c as unknown as { processID: number | null }).processID).filter((pid) => typeof pid === 'number');
    const reserve = Math.max(0, deadline - Date.now());
    const terminated = pids.length > 0 && reserve > 0 ? await terminateBackends(pool, pids, reserve / 2, signal) : 0;
    // The last quarter is left for what follows the destroy: callers see their errors and release
    // their clients, the drain ends, stop reports the force, all before the node's deadline.
    await Promise.race([connections.closed(), sleep(Math.max(0, deadline - reserve / 4 - Date.now()), signal)]);
    destroyAll();
    await connections.closed(); // destroyed sockets close within a tick
    return { connections: clients.length, terminated };
  } finally {
    signal.removeEventListener('abort', destroyAll);
  }
}

async function terminateBackends(pool: Pool, pids: number[], budgetMs: number, signal: AbortSignal): Promise<number> {
  // pg-pool keeps the password non-enumerable: a spread alone would drop it.
  const admin = new pg.Client({
    ...pool.options,
    password: pool.options.password,
    connectionTimeoutMillis: Math.ceil(budgetMs),
    query_timeout: Math.ceil(budgetMs),
  });
  admin.on('error', noop);
  // The admin connection must not outlive the budget either: a frozen server holds its TCP
  // connect (the kernel accepts into the backlog) and never answers the startup packet.
  const cut = (): void => {
    admin.connection.stream.destroy();
  };
  const timer = setTimeout(cut, budgetMs);
  signal.addEventListener('abort', cut, { once: true });
  try {
    await admin.connect();
    const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS t(pid)', [pids]);
    return rows.filter((r) => r.ok).length;
  } catch {
    return 0; // unreachable, frozen or not allowed: the sockets are destroyed all the same
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
