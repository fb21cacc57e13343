import { forceCloseConnections, withinBudget } from '@quiesce/core';
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
 * The force path (core's forceCloseConnections): busy backends terminated server-side with
 * pg_terminate_backend() over a second connection, then every socket of ours closed or destroyed
 * by `deadline`. `signal` aborting destroys at once.
 */
export async function terminate(pool: Pool, connections: Connections, deadline: number, signal: AbortSignal): Promise<ForceOutcome> {
  const clients = [...connections.open];
  connections.forcing = true;
  // A terminated client emits 'error' ("Connection terminated unexpectedly"); a checked-out client
  // has no pool listener, and an unheard 'error' would crash the process.
  for (const client of clients) client.on('error', noop);
  if (!pool.ending) pool.end().catch(noop);
  // processID is set from the BackendKeyData message (untyped in @types/pg).
  const pids = clients.map((c) => (c as unknown as { processID: number | null }).processID).filter((pid) => typeof pid === 'number');
  const terminated = await forceCloseConnections({
    deadline,
    signal,
    destroyOpen: () => {
      for (const client of connections.open) client.connection.stream.destroy();
    },
    closed: () => connections.closed(),
    killBusy: pids.length > 0 ? (budgetMs, s) => terminateBackends(pool, pids, budgetMs, s) : undefined,
  });
  return { connections: clients.length, terminated };
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
  try {
    return await withinBudget(budgetMs, signal, () => admin.connection.stream.destroy(), async () => {
      await admin.connect();
      const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS t(pid)', [pids]);
      return rows.filter((r) => r.ok).length;
    });
  } catch {
    return 0; // unreachable, frozen or not allowed: the sockets are destroyed all the same
  }
}
