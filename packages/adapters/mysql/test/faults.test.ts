import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, crash, leftoverHandles, startMariaDB, watchProcessErrors, type MariaDBServer } from '@quiesce/test-servers';
import { frozenServerForceTests } from '@quiesce/test-servers/pool-force';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORCE_RESERVE_MS, mysqlPool } from '../src/index.js';
import { admin, waitFor } from './support.js';

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

  frozenServerForceTests({
    node: 'db',
    forcedError: 'MysqlForceClosedError',
    forceConnection: 'KILL connection',
    forceReserveMs: FORCE_RESERVE_MS,
    forcedMessage: /1 connection force-closed \(0 threads killed server-side\)/,
    victim: () => victim,
    startApp: async (stopTimeoutMs) => {
      const { app, pool, expectClean } = await startApp(stopTimeoutMs);
      return { app, expectClean, running: pool.query('SELECT SLEEP(30)').then(() => 'finished', (e: unknown) => e) };
    },
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
