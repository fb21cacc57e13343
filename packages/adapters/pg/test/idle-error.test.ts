import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { pgPool } from '../src/index.js';
import { admin, backends, server, unique } from './support.js';

describe('an idle client whose backend dies', () => {
  it('does not crash the process: the pool drops it, a warning is emitted, the pool keeps working', async () => {
    const before = activeHandles();
    const applicationName = unique('idle_error');
    const app = new LifecycleContainer().resource('db', pgPool({ config: { connectionString: server().url, application_name: applicationName } }));
    await app.start();
    const pool = app.get<Pool>('db');
    expect(await backends(applicationName)).toBe(1);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await admin((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]));
      for (let k = 0; k < 50 && warnings.length === 0; k++) await new Promise((r) => setTimeout(r, 20));
      expect(warnings.some((w) => w.includes('db: pg pool: idle client error'))).toBe(true);
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      process.off('warning', onWarning);
    }
    const report = await app.shutdown();
    expect(report.node('db')!.status).toBe('stopped');
    expect(await backends(applicationName)).toBe(0);
    expect(await leftoverHandles(before)).toEqual({});
  });
});
