import type http from 'node:http';
import { promisify } from 'node:util';
import { LifecycleContainer } from '@quiesce/core';
import { httpServer } from '@quiesce/http';
import { createHttpTerminator } from 'http-terminator';
import stoppable from 'stoppable';

/** Whoever stops the server may also have started it (quiesce calls listen itself). */
export interface HttpContestant {
  readonly name: string;
  /** Its stop is bound by a timer (keepAliveTimeout), not by work: one run says it all. */
  readonly once?: boolean;
  /** Listen on 127.0.0.1 (untimed); the returned function is the stop the bench times. */
  listen(server: http.Server): Promise<{ port: number; stop: () => Promise<unknown> }>;
}

const GRACE_MS = 8_000; // never reached: every contestant's stop ends when the 200 ms requests do

function listenPlain(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

export const httpContestants: readonly HttpContestant[] = [
  {
    name: 'quiesce',
    async listen(server) {
      const app = new LifecycleContainer({ shutdownTimeoutMs: GRACE_MS + 2_000 });
      app.resource('http', httpServer({ server, port: 0, stopTimeoutMs: GRACE_MS }));
      await app.start();
      return {
        port: (server.address() as { port: number }).port,
        stop: async () => {
          const report = await app.shutdown();
          if (!report.ok) throw new Error(`quiesce shutdown not ok:\n${report.toTable()}`);
        },
      };
    },
  },
  {
    name: 'http-terminator',
    async listen(server) {
      const port = await listenPlain(server);
      const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: GRACE_MS });
      return { port, stop: () => terminator.terminate() };
    },
  },
  {
    name: 'stoppable',
    async listen(server) {
      const stoppableServer = stoppable(server, GRACE_MS);
      const port = await listenPlain(server);
      return { port, stop: promisify(stoppableServer.stop.bind(stoppableServer)) };
    },
  },
  {
    name: 'close+closeIdle',
    once: true,
    async listen(server) {
      const port = await listenPlain(server);
      return {
        port,
        stop: () => {
          const closed = promisify(server.close.bind(server))();
          server.closeIdleConnections();
          return closed;
        },
      };
    },
  },
];
