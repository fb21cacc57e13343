import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, crash, freeze, leftoverHandles, socketsTo, startPostgres, thaw, watchProcessErrors, type PgServer } from '@quiesce/test-servers';
import pg, { type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORCE_RESERVE_MS, pgPool } from '../src/index.js';
import { recordSockets, stallLoop, unique, waitFor } from './support.js';

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

  it('the server freezes (SIGSTOP) mid-drain: the force path runs inside the node’s time, the node fails with the force count before its deadline', async () => {
    const stopTimeoutMs = 1_500;
    const { app, pool, expectClean } = await startApp(stopTimeoutMs);
    const running = pool.query('SELECT pg_sleep(30)').then(() => 'finished', (error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    freeze(victim);
    try {
      const report = await app.shutdown();
      const node = report.node('db')!;
      expect(node.status).toBe('failed');
      expect(node.error).toMatchObject({ name: 'PgForceClosedError' });
      expect(node.error!.message).toMatch(/1 connection force-closed \(0 backends terminated/);
      // Ended inside its own time, the force reserve included (the old force path ran 1 s + 1 s after it).
      expect(node.durationMs!).toBeLessThan(stopTimeoutMs);
      expect(await running).toBeInstanceOf(Error);
      await expectClean();
    } finally {
      thaw(victim);
    }
  });

  // The force path against a frozen server runs to its own timers (the terminate connection is cut
  // at its budget, the sockets are destroyed when their share is up): a stalled event loop near the
  // node's deadline then decides whether it ends before the node is reported.
  it('a frozen server and the event loop stalled for the last 40 % of the force reserve: the force path (terminate connection, sockets) has ended before the node is reported', async () => {
    const stopTimeoutMs = 2_000;
    const reserve = Math.min(FORCE_RESERVE_MS, stopTimeoutMs / 2);
    const recorder = recordSockets();
    const { app, pool, expectClean } = await startApp(stopTimeoutMs);
    let reported: { at: number; open: number; fds: number } | undefined;
    app.on('transition', (e) => {
      if (e.phase === 'stop' && e.type !== 'stopping') reported = { at: performance.now(), open: recorder.open(), fds: socketsTo(victim.port) };
    });
    const running = pool.query('SELECT pg_sleep(30)').then(() => 'finished', (error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    freeze(victim);
    try {
      const began = Date.now();
      // Stalled from 0.4 × reserve before the node's deadline until 50 ms after it: the node's own
      // timer and anything of the force path's scheduled in that window fire together, afterwards.
      const stalled = stallLoop(began + stopTimeoutMs - 0.4 * reserve, began + stopTimeoutMs + 50);
      const report = await app.shutdown();
      recorder.stop();
      await stalled;
      const context = JSON.stringify({ reported, lastClose: recorder.lastClose(), node: report.node('db') });
      // The pool's client and the terminate connection: both closed before the node settled.
      expect(recorder.sockets.length, context).toBe(2);
      expect(reported!.open, context).toBe(0);
      expect(reported!.fds, context).toBe(0);
      expect(recorder.lastClose(), context).toBeLessThan(reported!.at);
      const node = report.node('db')!;
      expect(node.status, context).toBe('failed');
      expect(node.error!.message, context).toMatch(/1 connection force-closed \(0 backends terminated/);
      expect(await running).toBeInstanceOf(Error);
      await expectClean();
    } finally {
      recorder.stop();
      thaw(victim);
    }
  });

  it('a frozen server and the event loop stalled from the force path’s start until after the deadline: everything is destroyed at the cut, and the report names the unfinished force path', async () => {
    const stopTimeoutMs = 2_000;
    const reserve = Math.min(FORCE_RESERVE_MS, stopTimeoutMs / 2);
    const { app, pool, expectClean } = await startApp(stopTimeoutMs);
    let fdsAtReport = -1;
    app.on('transition', (e) => {
      if (e.phase === 'stop' && e.type !== 'stopping') fdsAtReport = socketsTo(victim.port);
    });
    const running = pool.query('SELECT pg_sleep(30)').then(() => 'finished', (error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    freeze(victim);
    try {
      const began = Date.now();
      // From 50 ms into the force reserve (the terminate connection is waiting for the frozen
      // server) until 50 ms past the deadline: no step of the force path can run before the cut.
      const stalled = stallLoop(began + stopTimeoutMs - reserve + 50, began + stopTimeoutMs + 50);
      const report = await app.shutdown();
      await stalled;
      const node = report.node('db')!;
      expect(node.status).toBe('timedOut');
      // Said in the report, read at the cut: what the force path still held, destroyed then.
      expect(node.cut!.open).toContain('force path still running at the deadline: 1 connection and the terminate connection destroyed then');
      // Destroyed synchronously at the cut: no socket of ours to the server when the node settled.
      expect(fdsAtReport).toBe(0);
      expect(await running).toBeInstanceOf(Error);
      await expectClean();
    } finally {
      thaw(victim);
    }
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
