import { LifecycleContainer } from '@quiesce/core';
import { forceOrderTest } from '@quiesce/test-servers/pool-force';
import type { Pool, PoolClient } from 'pg';
import { describe, expect } from 'vitest';
import { pgPool } from '../src/index.js';
import { backends, server, unique } from './support.js';

const Db = Symbol('db');
// 20 rounds passed while this was built; CI runs 6.
const ROUNDS = 6;
const CLIENTS = 40;
const STOP_TIMEOUT_MS = 1_500;

// Issue #26 point 5: on a loaded machine the force path (pg_terminate_backend over a second
// connection, then destroying the clients' sockets) was seen ending 49 ms after the report was
// built. Terminating 40 backends at once is itself a load (their processes exit together); busy
// children on every CPU add to it.
describe('pgPool force path on a loaded machine: it has ended before the node is reported', () => {
  forceOrderTest({
    node: 'db',
    forceConnection: 'terminate connection',
    rounds: ROUNDS,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    stuckIn: 'pg_sleep',
    checkouts: CLIENTS,
    stuck: async (leaks) => {
      const applicationName = unique('quiesce_pg_force_order');
      const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
      app.resource<Pool>(Db, pgPool({ name: 'db', stopTimeoutMs: STOP_TIMEOUT_MS, config: { connectionString: server().url, application_name: applicationName, max: CLIENTS } }));
      await app.start();
      const pool = app.get<Pool>(Db);
      const clients: PoolClient[] = await Promise.all(Array.from({ length: CLIENTS }, () => pool.connect()));
      // Leaking: one caller never releases its client, so the node runs to its deadline and the
      // scheduler cuts it there; else every caller releases on its error, so the stop hook itself
      // reports the force.
      const callers = clients.map((client, k) =>
        client.query('SELECT pg_sleep(10)').then(
          () => client.release(),
          (error: Error) => (leaks && k === 0 ? undefined : client.release(error)),
        ),
      );
      return {
        app,
        busy: () => pool.totalCount === CLIENTS && pool.idleCount === 0,
        release: async () => {
          if (leaks) clients[0]!.release(true);
          await Promise.all(callers);
        },
        serverClean: async () => (await backends(applicationName)) === 0,
      };
    },
    expectNode: (node, leaks, context) => {
      if (leaks) {
        expect(node.status, context).toBe('timedOut');
        expect(node.cut!.open, context).toContain('1 checkout still out');
        // The force path had ended: the report does not claim otherwise.
        expect(node.cut!.open.some((line) => line.startsWith('force path still running')), context).toBe(false);
      } else {
        expect(node.status, context).toBe('failed');
        expect(node.error, context).toMatchObject({ name: 'PgForceClosedError', message: expect.stringMatching(new RegExp(`; ${CLIENTS} connections force-closed \\(\\d+ backends? terminated server-side\\)$`)) });
        expect(node.durationMs!, context).toBeLessThan(STOP_TIMEOUT_MS);
      }
    },
  });
});
