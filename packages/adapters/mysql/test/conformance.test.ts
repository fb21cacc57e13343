import { LifecycleContainer } from '@quiesce/core';
import { startMariaDB, type MariaDBServer } from '@quiesce/test-servers';
import { conformance } from '@quiesce/test-servers/conformance';
import type { Pool } from 'mysql2/promise';
import { mysqlPool } from '../src/index.js';

const Db = Symbol('db');

conformance<Pool, MariaDBServer>({
  adapter: 'mysql',
  node: 'db',
  startServer: () => startMariaDB({ useEnv: false }),
  startApp: async (server, { stopTimeoutMs, shutdownTimeoutMs }) => {
    const app = new LifecycleContainer({ shutdownTimeoutMs });
    app.resource<Pool>(Db, mysqlPool({ name: 'db', stopTimeoutMs, config: { uri: server.url, connectionLimit: 4 } }));
    await app.start();
    return { app, resource: app.get<Pool>(Db) };
  },
  // A query that takes `ms` on the server and returns a value only a finished query has.
  work: async (pool, _server, ms) => {
    const [rows] = await pool.query<Array<{ done: number } & import('mysql2').RowDataPacket>>('SELECT SLEEP(?) AS slept, 7 AS done', [ms / 1000]);
    return rows[0]?.done;
  },
  completed: (done) => done === 7,
  hang: (pool) => pool.query('SELECT SLEEP(60)'),
  tryNew: (pool) => pool.query('SELECT 1'),
  badOptions: [
    { options: () => mysqlPool({ config: { connectionLimit: 0 } }), field: 'config.connectionLimit' },
    { options: () => mysqlPool({}), field: 'pool' },
    { options: () => mysqlPool({ config: {}, stopTimeoutMs: -5 }), field: 'stopTimeoutMs' },
  ],
});
