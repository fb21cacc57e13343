import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles, watchProcessErrors } from '@quiesce/test-servers';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { mysqlPool } from '../src/index.js';
import { cpuLoad, liveThreads, recordSockets, recordThreads, server, waitFor } from './support.js';

const Db = Symbol('db');
// 20 rounds passed while this was built; CI runs 6.
const ROUNDS = 6;
const CONNECTIONS = 20;
const STOP_TIMEOUT_MS = 1_500;

// The mysql counterpart of pg's issue #26 point 5: the force path (KILL <id> for each busy thread
// over a second connection, then destroying the pool's sockets) must have ended when the node is
// reported. Killing many threads at once is itself a load; busy children on every CPU add to it.
describe('mysqlPool force path on a loaded machine: it has ended before the node is reported', () => {
  it(`${ROUNDS} rounds of ${CONNECTIONS} checkouts stuck in SLEEP under a ${STOP_TIMEOUT_MS} ms stop: every socket of the pool and the KILL connection closed before the node settles; nothing left after`, async () => {
    // Busy children on every CPU while each shutdown runs (only then: a load for the whole test
    // slowed every file running beside it).
    let load: { stop(): void } = { stop: () => {} };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // Odd rounds: one caller never releases its connection. Unlike pg's, its checkout ends when
        // its socket closes (a dead connection counts as returned), so both kinds of round end with
        // the stop hook itself reporting the force.
        const leaks = round % 2 === 1;
        const baseline = activeHandles();
        const errors = watchProcessErrors();
        const recorder = recordSockets();
        let reported: { at: number; open: number; tcpHandles: number } | undefined;
        let threads: number[] = [];
        let connections: PoolConnection[] = [];
        let callers: Promise<unknown>[] = [];
        try {
          const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
          app.resource<Pool>(Db, mysqlPool({ name: 'db', stopTimeoutMs: STOP_TIMEOUT_MS, config: { uri: server().url, connectionLimit: CONNECTIONS } }));
          await app.start();
          const pool = app.get<Pool>(Db);
          threads = recordThreads(pool.pool as never);
          connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => pool.getConnection()));
          callers = connections.map((c, k) =>
            c.query('SELECT SLEEP(10)').then(
              () => c.release(),
              () => (leaks && k === 0 ? undefined : c.release()),
            ),
          );
          app.on('transition', (e) => {
            if (e.phase === 'stop' && e.node === 'db' && e.type !== 'stopping') {
              reported = { at: performance.now(), open: recorder.open(), tcpHandles: activeHandles().TCPSocketWrap ?? 0 };
            }
          });
          expect(await waitFor(() => app.inFlight(Db).active === CONNECTIONS, 5_000)).toBeGreaterThanOrEqual(0);
          await new Promise((r) => setTimeout(r, 50)); // the sleeps have reached the server
          load = cpuLoad(5_000);
          await new Promise((r) => setTimeout(r, 150)); // the children are busy
          const shutdownBegan = performance.now();
          const report = await app.shutdown();
          load.stop();
          const resolvedAt = performance.now();
          recorder.stop();

          const killConnections = recorder.sockets.filter((s) => s.openedAt > shutdownBegan).length;
          const context = `round ${round} (${leaks ? 'one connection leaked' : 'all released'}): ${JSON.stringify({ reported, lastCloseAfterReport: recorder.lastClose() - reported!.at, resolvedAfterBegan: resolvedAt - shutdownBegan, node: report.node('db') })}`;
          // The pool's connections (the one start() checked is reused) plus exactly one KILL connection.
          expect(recorder.sockets.length, context).toBe(CONNECTIONS + 1);
          expect(killConnections, context).toBe(1);
          // Every one of them closed — its handle gone, not just destroyed — before the node was reported.
          expect(reported, context).toBeDefined();
          expect(reported!.open, context).toBe(0);
          expect(recorder.lastClose(), context).toBeLessThan(reported!.at);
          expect(reported!.tcpHandles, context).toBeLessThanOrEqual(baseline.TCPSocketWrap ?? 0);

          const node = report.node('db')!;
          expect(node.status, context).toBe('failed');
          expect(node.error, context).toMatchObject({ name: 'MysqlForceClosedError', message: expect.stringMatching(new RegExp(`; ${CONNECTIONS} connections force-closed \\(\\d+ threads? killed server-side\\)$`)) });
          expect(node.durationMs!, context).toBeLessThan(STOP_TIMEOUT_MS);
        } finally {
          recorder.stop();
          if (leaks && connections[0]) connections[0].release();
          await Promise.all(callers);
        }
        expect(await leftoverHandles(baseline, 500), `round ${round}`).toEqual({});
        expect(errors.stop(), `round ${round}`).toEqual([]);
        // Server side: no thread of this round's left (killed, or at worst its 10 s sleep over).
        expect(await waitFor(async () => (await liveThreads(threads)).length === 0, 15_000), `round ${round}`).toBeGreaterThanOrEqual(0);
      }
    } finally {
      load.stop();
    }
  }, 900_000);
});
