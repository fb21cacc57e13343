import { LifecycleContainer, ShuttingDownError } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import mysqlCallback from 'mysql2';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { mysqlPool } from '../src/index.js';
import { admin, liveThreads, recordThreads, server, socketsTo, unique } from './support.js';

const Db = Symbol('db');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

describe('mysqlPool: graceful stop against a real MariaDB', () => {
  it('refuses new checkouts at once, lets running queries and transactions finish, then ends the pool and closes every socket', async () => {
    const before = activeHandles();
    const table = unique('orders');
    await admin((c) => c.query(`CREATE TABLE ${table} (id int PRIMARY KEY) ENGINE=InnoDB`));
    cleanup.push(() => admin((c) => c.query(`DROP TABLE IF EXISTS ${table}`)));

    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    const db = mysqlPool({ name: 'db', config: { uri: server().url, connectionLimit: 10 } });
    app.resource<Pool>(Db, db);
    await app.start();
    const pool = app.get<Pool>(Db);
    const threads = recordThreads(pool.pool as never);

    // 8 slow reads + 6 transactional inserts on a 10-connection pool: 4 checkouts are still queued at shutdown.
    const slow = Array.from({ length: 8 }, (_, i) => pool.query('SELECT SLEEP(0.3) AS s, ? AS i', [i]));
    const insert = async (id: number): Promise<number> => {
      const c: PoolConnection = await pool.getConnection();
      try {
        await c.beginTransaction();
        await c.query(`INSERT INTO ${table} (id) VALUES (?)`, [id]);
        await c.query('SELECT SLEEP(0.2)'); // statements keep coming after shutdown began
        await c.commit();
        return id;
      } finally {
        c.release();
      }
    };
    const inserts = Array.from({ length: 6 }, (_, i) => insert(i));
    await sleep(100);
    expect(app.inFlight(Db).active).toBe(14);
    expect(db.pending!(pool)).toEqual(['14 checkouts still out', expect.stringMatching(/^\d+ connections open$/)]);

    const began = performance.now();
    const shutdown = app.shutdown();
    // Refused from the very moment shutdown() was called: promise query, checkout, callback pool API.
    const refused = [
      pool.query('SELECT 1').then(() => 'accepted', (e: unknown) => e),
      pool.getConnection().then((c) => (c.release(), 'accepted'), (e: unknown) => e),
      new Promise((resolve) => pool.pool.query('SELECT 1', (err) => resolve(err ?? 'accepted'))),
    ];
    await sleep(150);
    refused.push(pool.execute('SELECT 1').then(() => 'accepted', (e: unknown) => e));

    const report = await shutdown;
    const took = performance.now() - began;
    // stop() waited for the sockets themselves: none of ours is left, at once.
    expect(socketsTo(server().port)).toBe(0);
    expect(await liveThreads([...threads])).toEqual([]);

    for (const error of await Promise.all(refused)) {
      expect(error).toBeInstanceOf(ShuttingDownError);
      expect((error as Error).message).toContain('"db" is shutting down');
    }
    const results = await Promise.all(slow);
    expect(results.map(([rows]) => (rows as Array<{ i: number }>)[0]!.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await Promise.all(inserts)).toEqual([0, 1, 2, 3, 4, 5]);
    const [committed] = await admin((c) => c.query(`SELECT id FROM ${table} ORDER BY id`));
    expect((committed as Array<{ id: number }>).map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5]);

    expect(report.node('db')).toMatchObject({ status: 'stopped' });
    expect(report.ok).toBe(true);
    // The queued inserts needed a slow read's connection (~0.3 s) and then 0.2 s of their own.
    expect(took).toBeGreaterThan(350);
    expect(took).toBeLessThan(5_000);
    expect(db.pending!(pool)).toBeUndefined();
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a callback-API pool (mysql2, not mysql2/promise) given as `pool`: idle connections closed, nothing left', async () => {
    const before = activeHandles();
    const pool = mysqlCallback.createPool({ uri: server().url, connectionLimit: 3 });
    const threads = recordThreads(pool as never);
    const app = new LifecycleContainer();
    app.resource(Db, mysqlPool({ name: 'db', pool }));
    await app.start();
    const held = await Promise.all([1, 2, 3].map(() => new Promise<mysqlCallback.PoolConnection>((resolve, reject) => pool.getConnection((e, c) => (e ? reject(e) : resolve(c))))));
    for (const c of held) c.release();
    expect(await liveThreads(threads)).toHaveLength(3);

    const report = await app.shutdown();
    expect(report.node('db')).toMatchObject({ status: 'stopped' });
    expect(report.node('db')!.durationMs!).toBeLessThan(500);
    expect(await liveThreads(threads)).toEqual([]);
    expect(await leftoverHandles(before)).toEqual({});
  });
});
