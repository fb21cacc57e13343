import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, crash, freeze, leftoverHandles, socketsTo, startMariaDB, thaw, watchProcessErrors, type MariaDBServer } from '@quiesce/test-servers';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORCE_RESERVE_MS, mysqlPool } from '../src/index.js';
import { admin, recordSockets, stallLoop, waitFor } from './support.js';

// A MariaDB of this file's own, the "victim": its threads killed, frozen, then killed itself by
// the last test. The shared server the other files use is never touched.
let victim: MariaDBServer;
beforeAll(async () => {
  victim = await startMariaDB({ useEnv: false });
  await admin((c) => c.query('CREATE TABLE acked (id int PRIMARY KEY) ENGINE=InnoDB'), victim.url);
});
afterAll(() => victim?.stop());

const DEADLINE_MS = 3_000;
const Db = Symbol('db');

async function startApp(stopTimeoutMs: number) {
  const before = activeHandles();
  const errors = watchProcessErrors();
  const app = new LifecycleContainer({ shutdownTimeoutMs: DEADLINE_MS });
  app.resource<Pool>(Db, mysqlPool({ name: 'db', stopTimeoutMs, config: { uri: victim.url, connectionLimit: 4 } }));
  await app.start();
  return {
    app,
    pool: app.get<Pool>(Db),
    async expectClean(): Promise<void> {
      expect(await leftoverHandles(before, 500)).toEqual({});
      expect(errors.stop()).toEqual([]);
    },
  };
}

describe('mysqlPool under MariaDB faults mid-shutdown', () => {
  it('its threads are killed by an administrator mid-drain: no crash, failed with the count, acknowledged rows kept, the cut transaction rolled back', async () => {
    const { app, pool, expectClean } = await startApp(5_000);
    for (let id = 1; id <= 10; id++) await pool.query('INSERT INTO acked VALUES (?)', [id]);
    const c: PoolConnection = await pool.getConnection();
    await c.beginTransaction();
    await c.query('INSERT INTO acked VALUES (999)');

    const shutdown = app.shutdown();
    await admin((a) => a.query(`KILL ${c.threadId}`), victim.url);
    const commit = await c.commit().then(() => undefined, (e: unknown) => e);
    c.release();
    const report = await shutdown;

    expect(commit).toBeInstanceOf(Error);
    const node = report.node('db')!;
    expect(node.status).toBe('failed');
    expect(node.error).toMatchObject({ name: 'MysqlConnectionsLostError', code: 'QUIESCE_MYSQL_CONNECTIONS_LOST' });
    expect(node.error!.message).toMatch(/1 connection was lost during shutdown/);
    expect(report.durationMs).toBeLessThan(DEADLINE_MS);
    const [rows] = await admin((a) => a.query('SELECT id FROM acked ORDER BY id'), victim.url);
    expect((rows as Array<{ id: number }>).map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expectClean();
  });

  it('the server freezes (SIGSTOP) mid-drain: the force path runs inside the node’s time, the node fails with the force count', async () => {
    const stopTimeoutMs = 1_500;
    const { app, pool, expectClean } = await startApp(stopTimeoutMs);
    const running = pool.query('SELECT SLEEP(30)').then(() => 'finished', (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    freeze(victim);
    try {
      const report = await app.shutdown();
      const node = report.node('db')!;
      expect(node.status).toBe('failed');
      expect(node.error).toMatchObject({ name: 'MysqlForceClosedError' });
      expect(node.error!.message).toMatch(/1 connection force-closed \(0 threads killed server-side\)/);
      expect(node.durationMs!).toBeLessThan(stopTimeoutMs);
      expect(await running).toBeInstanceOf(Error);
      await expectClean();
    } finally {
      thaw(victim);
    }
  });

  // The force path against a frozen server runs to its own timers (the KILL connection is cut at
  // its budget, the sockets are destroyed when their share is up): a stalled event loop near the
  // node's deadline then decides whether it ends before the node is reported.
  it('a frozen server and the event loop stalled for the last 40 % of the force reserve: the force path (KILL connection, sockets) has ended before the node is reported', async () => {
    const stopTimeoutMs = 2_000;
    const reserve = Math.min(FORCE_RESERVE_MS, stopTimeoutMs / 2);
    const recorder = recordSockets();
    const { app, pool, expectClean } = await startApp(stopTimeoutMs);
    let reported: { at: number; open: number; fds: number } | undefined;
    app.on('transition', (e) => {
      if (e.phase === 'stop' && e.type !== 'stopping') reported = { at: performance.now(), open: recorder.open(), fds: socketsTo(victim.port) };
    });
    const running = pool.query('SELECT SLEEP(30)').then(() => 'finished', (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
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
      // The pool's connection and the KILL connection: both closed before the node settled.
      expect(recorder.sockets.length, context).toBe(2);
      expect(reported!.open, context).toBe(0);
      expect(reported!.fds, context).toBe(0);
      expect(recorder.lastClose(), context).toBeLessThan(reported!.at);
      const node = report.node('db')!;
      expect(node.status, context).toBe('failed');
      expect(node.error!.message, context).toMatch(/1 connection force-closed \(0 threads killed server-side\)/);
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
    const running = pool.query('SELECT SLEEP(30)').then(() => 'finished', (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    freeze(victim);
    try {
      const began = Date.now();
      // From 50 ms into the force reserve (the KILL connection is waiting for the frozen server)
      // until 50 ms past the deadline: no step of the force path can run before the cut.
      const stalled = stallLoop(began + stopTimeoutMs - reserve + 50, began + stopTimeoutMs + 50);
      const report = await app.shutdown();
      await stalled;
      const node = report.node('db')!;
      expect(node.status).toBe('timedOut');
      // Said in the report, read at the cut: what the force path still held, destroyed then.
      expect(node.cut!.open).toContain('force path still running at the deadline: 1 connection and the KILL connection destroyed then');
      // Destroyed synchronously at the cut: no socket of ours to the server when the node settled.
      expect(fdsAtReport).toBe(0);
      expect(await running).toBeInstanceOf(Error);
      await expectClean();
    } finally {
      thaw(victim);
    }
  });

  it('the server is killed (SIGKILL) mid-drain: the query fails, the node fails with the lost connection at once', async () => {
    const { app, pool, expectClean } = await startApp(5_000);
    const running = pool.query('SELECT SLEEP(30)').then(() => 'finished', (e: unknown) => e);
    expect(await waitFor(() => app.inFlight(Db).active === 1, 2_000)).toBeGreaterThanOrEqual(0);
    await new Promise((r) => setTimeout(r, 50));
    const shutdown = app.shutdown();
    await crash(victim);
    const crashedAt = Date.now();
    const report = await shutdown;
    expect(Date.now() - crashedAt).toBeLessThan(1_000);
    expect(await running).toBeInstanceOf(Error);
    const node = report.node('db')!;
    expect(node.status).toBe('failed');
    expect(node.error).toMatchObject({ name: 'MysqlConnectionsLostError' });
    await expectClean();
  });
});
