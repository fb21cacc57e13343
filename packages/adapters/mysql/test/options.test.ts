import { LifecycleContainer, resource, StartError } from '@quiesce/core';
import { inject as injectToken } from 'inversify';
import { activeHandles, invalidOptions, leftoverHandles } from '@quiesce/test-servers';
import mysql, { type Pool } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESERVE_MS, mysqlModule, mysqlPool } from '../src/index.js';
import { closedPort, liveThreads, recordThreads, server, socketsTo } from './support.js';

const invalid = invalidOptions;

describe('mysqlPool options', () => {
  it('names the offending field', () => {
    const pool = mysql.createPool({ uri: server().url });
    expect(invalid(() => mysqlPool({})).issues).toEqual([{ field: 'pool', message: expect.stringMatching(/give `pool`.*or `config`/) }]);
    expect(invalid(() => mysqlPool({ pool, config: {} })).issues.map((i) => i.field)).toEqual(['config']);
    expect(invalid(() => mysqlPool({ pool: {} as Pool })).issues.map((i) => i.field)).toEqual(['pool']);
    expect(invalid(() => mysqlPool({ config: { connectionLimit: 0 } })).issues.map((i) => i.field)).toEqual(['config.connectionLimit']);
    expect(invalid(() => mysqlPool({ config: { port: 70_000 } })).message).toMatch(/^Invalid options for mysqlPool: config\.port: /);
    expect(invalid(() => mysqlPool({ config: {}, stopTimeoutMs: -5 })).issues.map((i) => i.field)).toEqual(['stopTimeoutMs']);
    expect(invalid(() => mysqlPool({ conifg: {} } as never)).message).toContain('conifg');
    expect(invalid(() => mysqlModule({ config: {}, token: 42 as never })).issues.map((i) => i.field)).toEqual(['token']);
    expect(invalid(() => mysqlModule({})).message).toMatch(/^Invalid options for mysqlModule: pool: /);
    expect(mysqlPool({ config: {} }).reserveMs).toBe(DEFAULT_RESERVE_MS);
    expect(mysqlPool({ pool, name: 'db', policy: 'bestEffort' })).toMatchObject({ value: pool, name: 'db', policy: 'bestEffort' });
    return pool.end();
  });

  it('a server that cannot be reached fails start(), naming the node, and leaves no socket behind', async () => {
    const port = await closedPort();
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource<Pool>('db', mysqlPool({ config: { host: '127.0.0.1', port, user: 'quiesce' } }));
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).message).toMatch(/^Start failed at "db": .*ECONNREFUSED/);
    expect(socketsTo(port)).toBe(0);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('wrong credentials fail start() too', async () => {
    const { host, port, user } = server();
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource<Pool>('db', mysqlPool({ config: { host, port, user, password: 'not-the-password' } }));
    await expect(app.start()).rejects.toThrow(/^Start failed at "db": Access denied/);
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('mysqlModule', () => {
  it('binds the pool under its node name "mysql" (the default token); a dependent stops first and may still query', async () => {
    const events: string[] = [];
    @resource()
    class Repo {
      constructor(@injectToken('mysql') readonly db: Pool) {}
      async stop(): Promise<void> {
        const [rows] = await this.db.query('SELECT 7 AS n');
        events.push(`repo stopped after querying ${(rows as Array<{ n: number }>)[0]!.n}`);
      }
    }
    const before = activeHandles();
    const pool = mysql.createPool({ uri: server().url });
    const threads = recordThreads(pool.pool as never);
    const app = new LifecycleContainer();
    app.load(mysqlModule({ pool, stopTimeoutMs: 2_000 })).bind(Repo);
    app.on('stopped', (e) => events.push(`${e.node} stopped`));
    await app.start();
    expect(app.get(Repo).db).toBe(pool);

    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('mysql')).toMatchObject({ status: 'stopped', dependsOn: [] });
    expect(report.node('Repo')).toMatchObject({ status: 'stopped', dependsOn: ['mysql'] });
    expect(events).toEqual(['repo stopped after querying 7', 'Repo stopped', 'mysql stopped']);
    expect(await liveThreads(threads)).toEqual([]);
    expect(await leftoverHandles(before)).toEqual({});
  });
});
