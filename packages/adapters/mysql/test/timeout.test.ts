import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles, watchProcessErrors } from '@quiesce/test-servers';
import type { Pool } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { FORCE_RESERVE_MS, mysqlPool } from '../src/index.js';
import { liveThreads, recordThreads, server, socketsTo, waitFor } from './support.js';

const Db = Symbol('db');

describe('mysqlPool: the stop runs out of time', () => {
  it('a query that would run 30 s is killed server-side (KILL <id>) inside the node’s time; the node fails with the count and leaves nothing open', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const stopTimeoutMs = 2_000;
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    const db = mysqlPool({ name: 'db', stopTimeoutMs, config: { uri: server().url, connectionLimit: 4 } });
    app.resource<Pool>(Db, db);
    await app.start();
    const pool = app.get<Pool>(Db);
    const threads = recordThreads(pool.pool as never);
    await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 2')]); // one idle connection besides the stuck one
    const stuck = pool.query('SELECT SLEEP(30)').then(() => 'finished', (e: unknown) => e);
    expect(await waitFor(() => app.inFlight(Db).active === 1, 2_000)).toBeGreaterThanOrEqual(0);

    const shutdown = app.shutdown();
    await new Promise((r) => setTimeout(r, 200));
    // What core's report asks the instance once the stop time is up: the stuck checkout, and the
    // idle connection pool.end() will close once it is back.
    expect(db.pending!(pool)).toEqual(['1 checkout still out', '2 connections open']);
    const report = await shutdown;

    const node = report.node('db')!;
    expect(node.status).toBe('failed');
    expect(node.error).toMatchObject({ name: 'MysqlForceClosedError', code: 'QUIESCE_MYSQL_FORCE_CLOSED' });
    expect(node.error!.message).toMatch(/2 connections force-closed \(1 thread killed server-side\)/);
    // The force path began FORCE_RESERVE_MS before the node's deadline and finished inside it.
    expect(node.durationMs!).toBeGreaterThan(stopTimeoutMs - FORCE_RESERVE_MS - 50);
    expect(node.durationMs!).toBeLessThan(stopTimeoutMs);
    expect(await stuck).toMatchObject({ message: expect.stringMatching(/interrupted|lost|closed/i) });
    expect(socketsTo(server().port)).toBe(0);
    expect(await liveThreads(threads)).toEqual([]);
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });
});
