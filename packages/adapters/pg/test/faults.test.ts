import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, crash, leftoverHandles, startPostgres, watchProcessErrors, type PgServer } from '@quiesce/test-servers';
import { frozenServerForceTests } from '@quiesce/test-servers/pool-force';
import pg, { type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORCE_RESERVE_MS, pgPool } from '../src/index.js';
import { unique, waitFor } from './support.js';

// A PostgreSQL of this file's own, the "victim": frozen, its backends terminated, then killed by
// the last test. The shared server the other files use is never touched.
let victim: PgServer;
beforeAll(async () => {
  victim = await startPostgres({ useEnv: false });
  await sql('CREATE TABLE acked (id int PRIMARY KEY)');
});
afterAll(() => victim?.stop());

async function sql<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: victim.url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const DEADLINE_MS = 3_000;
const Db = Symbol('db');

/** An app with one pool on the victim, started, and the checks every fault test makes. */
async function startApp(stopTimeoutMs: number) {
  const applicationName = unique('quiesce_pg_fault');
  const before = activeHandles();
  const errors = watchProcessErrors();
  const app = new LifecycleContainer({ shutdownTimeoutMs: DEADLINE_MS });
  app.resource<Pool>(Db, pgPool({ name: 'db', stopTimeoutMs, config: { connectionString: victim.url, application_name: applicationName, max: 4 } }));
  await app.start();
  return {
    app,
    pool: app.get<Pool>(Db),
    applicationName,
    async expectClean(): Promise<void> {
      expect(await leftoverHandles(before, 500)).toEqual({});
      expect(errors.stop()).toEqual([]);
    },
  };
}

describe('pgPool under PostgreSQL faults mid-shutdown', () => {
  it('its backends are terminated server-side mid-drain: no crash from the checked-out client without an error listener, failed with the count, acknowledged rows kept', async () => {
    const { app, pool, applicationName, expectClean } = await startApp(5_000);
    for (let id = 1; id <= 10; id++) await pool.query('INSERT INTO acked VALUES ($1)', [id]);
    // Checked out and idle in a transaction, with no 'error' listener: pg emits 'error' on it when
    // its backend dies, which is an uncaught exception unless the adapter guards it.
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO acked VALUES (999)');

    const shutdown = app.shutdown();
    await sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    const commit = await client.query('COMMIT').then(() => undefined, (error: unknown) => error);
    client.release(commit as Error);
    const report = await shutdown;

    expect(commit).toBeInstanceOf(Error);
    const node = report.node('db')!;
    expect(node.status).toBe('failed');
    expect(node.error).toMatchObject({ name: 'PgConnectionsLostError' });
    expect(node.error!.message).toMatch(/\d+ connections? (was|were) lost during shutdown \(terminating connection due to administrator command\)/);
    expect(report.durationMs).toBeLessThan(DEADLINE_MS);
    const ids = (await sql<{ id: number }>('SELECT id FROM acked ORDER BY id')).map((r) => r.id);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // every acknowledged insert; the cut transaction rolled back
    await expectClean();
  });

  frozenServerForceTests({
    node: 'db',
    forcedError: 'PgForceClosedError',
    forceConnection: 'terminate connection',
    forceReserveMs: FORCE_RESERVE_MS,
    forcedMessage: /1 connection force-closed \(0 backends terminated/,
    victim: () => victim,
    startApp: async (stopTimeoutMs) => {
      const { app, pool, expectClean } = await startApp(stopTimeoutMs);
      return { app, expectClean, running: pool.query('SELECT pg_sleep(30)').then(() => 'finished', (error: unknown) => error) };
    },
  });

  it('the server is killed (SIGKILL) mid-drain: the query fails, the pool ends, the node fails with the lost connection at once', async () => {
    const { app, pool, expectClean } = await startApp(5_000);
    const running = pool.query('SELECT pg_sleep(30)').then(() => 'finished', (error: unknown) => error);
    expect(await waitFor(() => pool.totalCount === 1, 2_000)).toBeGreaterThanOrEqual(0);
    const shutdown = app.shutdown();
    await crash(victim);
    const crashedAt = Date.now();
    const report = await shutdown;
    expect(Date.now() - crashedAt).toBeLessThan(1_000);
    expect(await running).toBeInstanceOf(Error);
    const node = report.node('db')!;
    expect(node.status).toBe('failed');
    expect(node.error).toMatchObject({ name: 'PgConnectionsLostError' });
    await expectClean();
  });
});
