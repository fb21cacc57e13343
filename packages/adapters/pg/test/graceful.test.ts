import { LifecycleContainer, ShuttingDownError } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import type { Pool, PoolClient } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { pgPool } from '../src/index.js';
import { admin, server, socketsTo, unique, watcher } from './support.js';

const Db = Symbol('db');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

describe('pgPool: graceful stop against a real PostgreSQL', () => {
  it('refuses new checkouts at once, lets running queries and transactions finish, then ends the pool and closes every socket', async () => {
    const before = activeHandles();
    const applicationName = unique('quiesce_pg_graceful');
    const table = unique('orders');
    await admin((c) => c.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`));
    cleanup.push(() => admin((c) => c.query(`DROP TABLE IF EXISTS ${table}`)));

    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource<Pool>(Db, pgPool({ name: 'db', config: { connectionString: server().url, application_name: applicationName, max: 10 } }));
    await app.start();
    const pool = app.get<Pool>(Db);
    const watch = await watcher(applicationName);
    cleanup.push(() => watch.close());

    // 8 slow reads + 6 transactional inserts on a 10-client pool: 4 checkouts are still queued at shutdown.
    const slow = Array.from({ length: 8 }, (_, i) => pool.query<{ i: number }>('SELECT pg_sleep(0.3), $1::int AS i', [i]));
    const insert = async (id: number): Promise<number> => {
      const client: PoolClient = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${table} (id) VALUES ($1)`, [id]);
        await client.query('SELECT pg_sleep(0.2)'); // statements keep coming after shutdown began
        await client.query('COMMIT');
        return id;
      } finally {
        client.release();
      }
    };
    const inserts = Array.from({ length: 6 }, (_, i) => insert(i));
    await sleep(50);
    expect(pool.waitingCount).toBe(4);
    expect(app.inFlight(Db).active).toBe(14);

    const began = performance.now();
    const shutdown = app.shutdown();
    // Refused from the very moment shutdown() was called, in all three calling styles.
    const refused = [
      pool.query('SELECT 1').then(() => 'accepted', (e: unknown) => e),
      pool.connect().then((c) => (c.release(), 'accepted'), (e: unknown) => e),
      new Promise((resolve) => pool.query('SELECT 1', (err) => resolve(err ?? 'accepted'))),
    ];
    await sleep(150);
    // Still refused while the pool is draining, and not because pg ended it under the running queries.
    expect(pool.ending).toBe(false);
    expect(pool.totalCount).toBeGreaterThan(0);
    refused.push(pool.query('SELECT 1').then(() => 'accepted', (e: unknown) => e));

    const report = await shutdown;
    const took = performance.now() - began;
    // stop() waited for the sockets themselves, not just for pool.end(): nothing is left, at once
    // (the one socket still open to the server is the watcher's). Checked before any other await.
    expect(socketsTo(server().port)).toBe(1);
    expect(await watch.backends()).toBe(0);

    for (const error of await Promise.all(refused)) {
      expect(error).toBeInstanceOf(ShuttingDownError);
      expect((error as Error).message).toContain('"db" is shutting down');
    }
    const results = await Promise.all(slow);
    expect(results.map((r) => r.rows[0]!.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await Promise.all(inserts)).toEqual([0, 1, 2, 3, 4, 5]);
    const committed = await admin((c) => c.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`));
    expect(committed.rows.map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5]);

    expect(report.node('db')).toMatchObject({ status: 'stopped' });
    expect(report.ok).toBe(true);
    // The queued inserts needed a slow read's client (~0.3 s) and then 0.2 s of their own.
    expect(took).toBeGreaterThan(350);
    expect(took).toBeLessThan(5_000);
    expect(pool.ended).toBe(true);
    // Nothing of the pool's is left once the test's own watcher is closed.
    await watch.close();
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('an idle pool stops in a few milliseconds and leaves no backend behind', async () => {
    const before = activeHandles();
    const applicationName = unique('quiesce_pg_idle');
    const app = new LifecycleContainer();
    app.resource<Pool>(Db, pgPool({ name: 'db', config: { connectionString: server().url, application_name: applicationName, max: 4 } }));
    await app.start();
    const pool = app.get<Pool>(Db);
    await Promise.all([1, 2, 3, 4].map((i) => pool.query('SELECT $1::int', [i])));
    expect(pool.idleCount).toBe(4);
    const watch = await watcher(applicationName);
    cleanup.push(() => watch.close());
    expect(await watch.backends()).toBe(4);

    const report = await app.shutdown();
    // pool.end() alone resolves before the idle clients' sockets close; stop() waits for them.
    expect(socketsTo(server().port)).toBe(1);
    expect(await watch.backends()).toBe(0);
    expect(report.node('db')).toMatchObject({ status: 'stopped' });
    expect(report.node('db')!.durationMs!).toBeLessThan(500);
    await watch.close();
    expect(await leftoverHandles(before)).toEqual({});
  });
});
