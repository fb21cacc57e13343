import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles, watchProcessErrors } from '@quiesce/test-servers';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { pgPool } from '../src/index.js';
import { admin, backends, server, socketsTo, unique, waitFor } from './support.js';

const Db = Symbol('db');

describe('pgPool: when the stop timeout passes', () => {
  it('terminates the busy backends server-side and closes every socket inside the node’s time; a client never released leaves it timedOut', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const applicationName = unique('quiesce_pg_timeout');
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource<Pool>(Db, pgPool({ name: 'db', stopTimeoutMs: 1_000, config: { connectionString: server().url, application_name: applicationName } }));
    await app.start();
    const pool = app.get<Pool>(Db);

    // One hung pool.query, and one checked-out client that is never released and has no 'error' listener
    // (an unheard 'error' from it would crash the process; vitest fails the run on such errors).
    const viaPool = pool.query('SELECT pg_sleep(30)').then(() => 'finished', (e: unknown) => e);
    const leaked = await pool.connect();
    const viaClient = leaked.query('SELECT pg_sleep(30)').then(() => 'finished', (e: unknown) => e);
    const running = () =>
      admin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep(30)%'`, [applicationName])).rows[0]!.n);
    expect(await waitFor(async () => (await running()) === 2, 2_000)).toBeGreaterThanOrEqual(0);

    const began = performance.now();
    const report = await app.shutdown();
    const took = performance.now() - began;
    const node = report.node('db')!;
    expect(node.status).toBe('timedOut');
    expect(node.limitedBy).toBe('own timeout');
    expect(node.error).toMatchObject({ name: 'NodeTimeoutError' });
    // The report says what the stop was still waiting for when its time ran out: the force path
    // (the node's last 500 ms) already ended pool.query's checkout; the leaked client is still out.
    expect(node.cut!.open).toContain('1 checkout still out');
    expect(took).toBeGreaterThan(950);
    expect(took).toBeLessThan(2_000);

    // Server side: both backends terminated inside the node's time (the force reserve is its last
    // 500 ms); they exit a moment after the signal, and would otherwise sleep for 30 s.
    expect(await waitFor(async () => (await backends(applicationName)) === 0, 500)).toBeGreaterThanOrEqual(0);
    // The callers learn why: PostgreSQL's admin_shutdown (57P01), not a silent hang.
    expect(await viaPool).toMatchObject({ code: '57P01' });
    expect(await viaClient).toMatchObject({ code: '57P01' });
    // Client side: no socket of this process is still connected to the server.
    expect(await waitFor(() => socketsTo(server().port) === 0, 1_000)).toBeGreaterThanOrEqual(0);
    // Nothing of the pool's or the force path's left (the leaked client's socket was destroyed too).
    expect(await leftoverHandles(before)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('is not triggered when the work finishes in time: a short query under a generous timeout just completes', async () => {
    const before = activeHandles();
    const applicationName = unique('quiesce_pg_intime');
    const app = new LifecycleContainer();
    app.resource<Pool>(Db, pgPool({ name: 'db', stopTimeoutMs: 2_000, config: { connectionString: server().url, application_name: applicationName } }));
    await app.start();
    const pool = app.get<Pool>(Db);
    const query = pool.query<{ done: boolean }>('SELECT true AS done FROM pg_sleep(0.3)');
    await new Promise((r) => setTimeout(r, 30));
    const report = await app.shutdown();
    expect(report.node('db')!.status).toBe('stopped');
    expect((await query).rows[0]!.done).toBe(true);
    expect(await backends(applicationName)).toBe(0);
    expect(await leftoverHandles(before)).toEqual({});
  });
});
