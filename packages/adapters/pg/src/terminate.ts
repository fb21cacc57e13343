import pg from 'pg';
import type { Pool } from 'pg';
import type { Connections } from './connections.js';

const noop = (): void => {};
/** How long the short-lived admin connection may take, and how long terminated sockets get to close. */
const FORCE_STEP_MS = 1_000;

/**
 * The timeout path: leave nothing of ours open, on either side of the wire. Destroying a socket
 * alone is not enough: a backend busy in a query (pg_sleep, a lock wait) does not notice its
 * client is gone and runs on, so the busy backends are terminated server-side first.
 */
export async function terminate(pool: Pool, connections: Connections): Promise<void> {
  const clients = [...connections.open];
  // A terminated client emits 'error' ("Connection terminated unexpectedly"); a checked-out client
  // has no pool listener, and an unheard 'error' would crash the process.
  for (const client of clients) client.on('error', noop);
  if (!pool.ending) pool.end().catch(noop);
  // processID is set from the BackendKeyData message (untyped in @types/pg).
  const pids = clients.map((c) => (c as unknown as { processID: number | null }).processID).filter((pid) => typeof pid === 'number');
  if (pids.length > 0) await terminateBackends(pool, pids);
  await Promise.race([connections.closed(), sleep(FORCE_STEP_MS)]);
  for (const client of connections.open) client.connection.stream.destroy();
}

async function terminateBackends(pool: Pool, pids: number[]): Promise<void> {
  // pg-pool keeps the password non-enumerable: a spread alone would drop it.
  const admin = new pg.Client({
    ...pool.options,
    password: pool.options.password,
    connectionTimeoutMillis: FORCE_STEP_MS,
    query_timeout: FORCE_STEP_MS,
  });
  admin.on('error', noop);
  try {
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS t(pid)', [pids]);
  } catch {
    // Server unreachable or not allowed: the sockets are destroyed below all the same.
  } finally {
    await admin.end().catch(noop);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
