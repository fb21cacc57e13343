import { LifecycleContainer } from '@quiesce/core';
import { forceOrderTest } from '@quiesce/test-servers/pool-force';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { describe, expect } from 'vitest';
import { mysqlPool } from '../src/index.js';
import { liveThreads, recordThreads, server } from './support.js';

const Db = Symbol('db');
// 20 rounds passed while this was built; CI runs 6.
const ROUNDS = 6;
const CONNECTIONS = 20;
const STOP_TIMEOUT_MS = 1_500;

// The mysql counterpart of pg's issue #26 point 5: the force path (KILL <id> for each busy thread
// over a second connection, then destroying the pool's sockets) must have ended when the node is
// reported. Killing many threads at once is itself a load; busy children on every CPU add to it.
describe('mysqlPool force path on a loaded machine: it has ended before the node is reported', () => {
  forceOrderTest({
    node: 'db',
    forceConnection: 'KILL connection',
    rounds: ROUNDS,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    stuckIn: 'SLEEP',
    // The pool's connections (the one start() checked is reused) plus the KILL connection.
    checkouts: CONNECTIONS,
    stuck: async (leaks) => {
      const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
      app.resource<Pool>(Db, mysqlPool({ name: 'db', stopTimeoutMs: STOP_TIMEOUT_MS, config: { uri: server().url, connectionLimit: CONNECTIONS } }));
      await app.start();
      const pool = app.get<Pool>(Db);
      const threads = recordThreads(pool.pool as never);
      const connections: PoolConnection[] = await Promise.all(Array.from({ length: CONNECTIONS }, () => pool.getConnection()));
      // Leaking: one caller never releases its connection. Unlike pg's, its checkout ends when its
      // socket closes (a dead connection counts as returned), so both kinds of round end with the
      // stop hook itself reporting the force.
      const callers = connections.map((c, k) =>
        c.query('SELECT SLEEP(10)').then(
          () => c.release(),
          () => (leaks && k === 0 ? undefined : c.release()),
        ),
      );
      return {
        app,
        busy: () => app.inFlight(Db).active === CONNECTIONS,
        release: async () => {
          if (leaks) connections[0]!.release();
          await Promise.all(callers);
        },
        serverClean: async () => (await liveThreads(threads)).length === 0,
      };
    },
    expectNode: (node, _leaks, context) => {
      expect(node.status, context).toBe('failed');
      expect(node.error, context).toMatchObject({ name: 'MysqlForceClosedError', message: expect.stringMatching(new RegExp(`; ${CONNECTIONS} connections force-closed \\(\\d+ threads? killed server-side\\)$`)) });
      expect(node.durationMs!, context).toBeLessThan(STOP_TIMEOUT_MS);
    },
  });
});
