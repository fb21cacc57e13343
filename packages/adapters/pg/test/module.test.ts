import { LifecycleContainer, resource } from '@quiesce/core';
import { inject } from 'inversify';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import pg, { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { pgModule } from '../src/index.js';
import { backends, server, unique } from './support.js';

describe('pgModule', () => {
  it('binds a user-supplied pool under its node name "pg" (the default token); dependents stop first and may still query', async () => {
    const before = activeHandles();
    const applicationName = unique('quiesce_pg_module');
    const events: string[] = [];

    @resource()
    class Repo {
      constructor(@inject('pg') readonly db: Pool) {}
      async stop(): Promise<void> {
        const { rows } = await this.db.query<{ n: number }>('SELECT 7 AS n');
        events.push(`repo stopped after querying ${rows[0]!.n}`);
      }
    }

    const pool = new pg.Pool({ connectionString: server().url, application_name: applicationName });
    const app = new LifecycleContainer();
    app.load(pgModule({ pool, stopTimeoutMs: 2_000 })).bind(Repo);
    app.on('stopped', (e) => events.push(`${e.node} stopped`));
    await app.start();
    expect(app.get(Repo).db).toBe(pool);
    expect(app.get('pg')).toBe(pool);
    // 0.x bound it under the pg.Pool class: no longer (one convention for every module's token).
    expect(() => app.get(Pool)).toThrow();

    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('pg')).toMatchObject({ status: 'stopped', dependsOn: [] });
    expect(report.node('Repo')).toMatchObject({ status: 'stopped', dependsOn: ['pg'] });
    expect(events).toEqual(['repo stopped after querying 7', 'Repo stopped', 'pg stopped']);
    expect(pool.ended).toBe(true);
    expect(await backends(applicationName)).toBe(0);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('takes a custom token and derives the node name from it', async () => {
    const before = activeHandles();
    const Analytics = Symbol('analytics');
    const app = new LifecycleContainer();
    app.load(pgModule({ token: Analytics, config: { connectionString: server().url, application_name: unique('quiesce_pg_token') } }));
    await app.start();
    expect(app.get<Pool>(Analytics)).toBeInstanceOf(Pool);
    const report = await app.shutdown();
    expect(report.node('analytics')!.status).toBe('stopped');
    expect(await leftoverHandles(before)).toEqual({});
  });
});
