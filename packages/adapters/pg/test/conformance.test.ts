import { LifecycleContainer } from '@quiesce/core';
import { startPostgres, type PgServer } from '@quiesce/test-servers';
import { conformance } from '@quiesce/test-servers/conformance';
import type { Pool } from 'pg';
import { pgPool } from '../src/index.js';

const Db = Symbol('db');

conformance<Pool, PgServer>({
  adapter: 'pg',
  node: 'db',
  startServer: () => startPostgres({ useEnv: false }),
  startApp: async (server, { stopTimeoutMs, shutdownTimeoutMs }) => {
    const app = new LifecycleContainer({ shutdownTimeoutMs });
    app.resource<Pool>(Db, pgPool({ name: 'db', stopTimeoutMs, config: { connectionString: server.url, max: 4 } }));
    await app.start();
    return { app, resource: app.get<Pool>(Db) };
  },
  // A query that takes `ms` on the server and returns a value only a finished query has.
  work: async (pool, _server, ms) => (await pool.query<{ done: number }>('SELECT pg_sleep($1::float / 1000), 7 AS done', [ms])).rows[0]?.done,
  completed: (done) => done === 7,
  hang: (pool) => pool.query('SELECT pg_sleep(60)'),
  tryNew: (pool) => pool.query('SELECT 1'),
  badOptions: [
    { options: () => pgPool({ config: { max: 0 } }), field: 'config.max' },
    { options: () => pgPool({}), field: 'pool' },
    { options: () => pgPool({ config: {}, stopTimeoutMs: -5 }), field: 'stopTimeoutMs' },
  ],
});
