import { LifecycleContainer, StartError } from '@quiesce/core';
import { activeHandles, invalidOptions, leftoverHandles } from '@quiesce/test-servers';
import pg, { type Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESERVE_MS, pgModule, pgPool } from '../src/index.js';
import { backends, closedPort, server, slowProxy, socketsTo, unique, waitFor } from './support.js';

const invalid = invalidOptions;

describe('pgPool options', () => {
  it('names the offending field', () => {
    const pool = new pg.Pool();
    expect(invalid(() => pgPool({})).issues).toEqual([{ field: 'pool', message: expect.stringMatching(/give `pool`.*or `config`/) }]);
    expect(invalid(() => pgPool({ pool, config: {} })).issues.map((i) => i.field)).toEqual(['config']);
    expect(invalid(() => pgPool({ pool: {} as Pool })).issues.map((i) => i.field)).toEqual(['pool']);
    expect(invalid(() => pgPool({ config: { max: 0 } })).issues.map((i) => i.field)).toEqual(['config.max']);
    expect(invalid(() => pgPool({ config: { port: 70_000 } })).message).toMatch(/^Invalid options for pgPool: config\.port: /);
    expect(invalid(() => pgPool({ config: {}, stopTimeoutMs: -5 })).issues.map((i) => i.field)).toEqual(['stopTimeoutMs']);
    expect(invalid(() => pgPool({ config: {}, reserveMs: 1.5 })).issues.map((i) => i.field)).toEqual(['reserveMs']);
    expect(invalid(() => pgPool({ conifg: {} } as never)).message).toContain('conifg');
    expect(invalid(() => pgModule({ config: {}, token: 42 as never })).issues.map((i) => i.field)).toEqual(['token']);
    expect(invalid(() => pgModule({})).message).toMatch(/^Invalid options for pgModule: pool: /);
  });

  it('defaults reserveMs to the time pool.end() needs, and keeps what the user sets', () => {
    expect(pgPool({ config: {} }).reserveMs).toBe(DEFAULT_RESERVE_MS);
    expect(pgPool({ config: {}, reserveMs: 0 }).reserveMs).toBe(0);
    const pool = new pg.Pool();
    const definition = pgPool({ pool, name: 'db', stopTimeoutMs: 1_000, policy: 'bestEffort' });
    expect(definition).toMatchObject({ value: pool, name: 'db', stopTimeoutMs: 1_000, policy: 'bestEffort' });
    expect(definition.create).toBeUndefined();
  });

  it('a connection that cannot be made fails start(), naming the node, and leaves no socket behind', async () => {
    const { user, password, database } = server();
    const port = await closedPort();
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource<Pool>('db', pgPool({ config: { host: '127.0.0.1', port, user, password, database } }));
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ node: 'db' });
    expect((error as StartError).message).toMatch(/^Start failed at "db": .*ECONNREFUSED/);
    expect(app.get<Pool>('db').ending).toBe(true);
    expect(socketsTo(port)).toBe(0);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('wrong credentials fail start() too (the first query, not the first request, finds out)', async () => {
    const { host, port, user, database } = server();
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource<Pool>('db', pgPool({ config: { host, port, user, database, password: 'not-the-password' } }));
    await expect(app.start()).rejects.toThrow(/^Start failed at "db": password authentication failed/);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a server slower than startTimeoutMs fails start(), and the connection that completes later is closed, not left idling', async () => {
    const { user, password, database } = server();
    const before = activeHandles();
    const proxy = await slowProxy(600);
    const applicationName = unique('quiesce_pg_slowstart');
    const app = new LifecycleContainer();
    app.resource<Pool>('db', pgPool({ startTimeoutMs: 300, config: { host: '127.0.0.1', port: proxy.port, user, password, database, application_name: applicationName } }));
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).message).toMatch(/^Start failed at "db": db: start did not finish within 300 ms/);
    const pool = app.get<Pool>('db');
    expect(pool.ending).toBe(true);
    // The rollback waited for the late connection (~300 ms after the timeout) and stopped the pool
    // in order, inside its report; nothing is left idling afterwards.
    expect((error as StartError).rollback.node('db')).toMatchObject({ status: 'stopped', note: expect.stringMatching(/waited \d+ ms for the start to complete/) });
    const closedAfter = await waitFor(() => pool.ended && socketsTo(proxy.port) === 0, 3_000);
    expect(closedAfter).toBeLessThan(3_000);
    expect(await backends(applicationName)).toBe(0);
    await proxy.close();
    expect(await leftoverHandles(before)).toEqual({});
  });
});
