import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { pgPool } from '../src/index.js';
import { server, unique, watcher } from './support.js';

const Db = Symbol('db');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('deadline budgets: a hung dependent never eats the time the pool needs', () => {
  it('cuts the hung node at deadline − reserveMs, then the pool ends cleanly inside the deadline', async () => {
    const before = activeHandles();
    const applicationName = unique('quiesce_pg_budget');
    const app = new LifecycleContainer({ shutdownTimeoutMs: 1_500 });
    app.resource<Pool>(Db, pgPool({ name: 'db', reserveMs: 400, config: { connectionString: server().url, application_name: applicationName } }));
    // An HTTP-like front door whose stop never resolves.
    app.resource('http', { value: {}, stop: () => new Promise<never>(() => {}), stopTimeoutMs: 5_000, dependsOn: [Db] });
    await app.start();
    const pool = app.get<Pool>(Db);
    await Promise.all(Array.from({ length: 5 }, (_, i) => pool.query('SELECT $1::int', [i])));
    const watch = await watcher(applicationName);
    expect(await watch.backends()).toBeGreaterThan(0);

    const began = performance.now();
    const shutdown = app.shutdown();
    // While its dependent hangs, the pool is not stopping yet and still serves.
    await sleep(500);
    expect((await pool.query<{ x: number }>('SELECT 42 AS x')).rows[0]!.x).toBe(42);
    const report = await shutdown;
    const took = performance.now() - began;

    const http = report.node('http')!;
    expect(http).toMatchObject({ status: 'timedOut', limitedBy: 'budget', timeoutMs: 5_000 });
    expect(http.effectiveTimeoutMs).toBeGreaterThan(1_000);
    expect(http.effectiveTimeoutMs).toBeLessThanOrEqual(1_100);
    const db = report.node('db')!;
    expect(db.status).toBe('stopped');
    expect(db.durationMs!).toBeLessThan(400);
    expect(report.deadlinePassed).toBe(false);
    expect(took).toBeLessThan(1_500 + 150);
    expect(report.toTable()).toMatch(/http\s+timedOut.*\(budget\)/);
    expect(pool.ended).toBe(true);
    expect(await watch.backends()).toBe(0);
    await watch.close();
    // Nothing of the pool's is left once the test's own watcher is closed.
    expect(await leftoverHandles(before)).toEqual({});
  });
});
