import http from 'node:http';
import https from 'node:https';
import type { ListenOptions } from 'node:net';
import { parseOptions, type ResourceDefinition } from '@quiesce/core';
import { ConnectionTracker } from './connections.js';
import { httpServerOptionsSchema, type HttpServerLike, type HttpServerOptions } from './options.js';
import { probeRouter } from './probes.js';

/**
 * A node:http / https server as a lifecycle resource. start = listen. Stop: the node's InFlight
 * closes (core), quiesce closes the listener and sends `Connection: close` on every response still
 * to be written, in-flight requests finish (core waits for the count), stop waits for the last
 * socket. When `ctx.signal` aborts, every socket is destroyed.
 */
export function httpServer(options: HttpServerOptions): ResourceDefinition<HttpServerLike> {
  const subject = `httpServer(${typeof options?.name === 'string' ? options.name : `port ${String(options?.port)}`})`;
  const { server, create, port, host, listen, probes, drainDelayMs: _, ...lifecycle } = parseOptions(httpServerOptionsSchema, options, subject);
  const probe = probes?.health && (probes.readiness || probes.liveness) ? probeRouter(probes.health, probes) : undefined;
  let tracker: ConnectionTracker | undefined;
  return {
    ...lifecycle,
    create: () => server ?? (create as () => HttpServerLike)(),
    start: async (srv, ctx) => {
      if (!((srv as unknown) instanceof http.Server || (srv as unknown) instanceof https.Server)) throw new Error(`${ctx.name}: create() must return an http.Server or https.Server`);
      if (srv.listening) throw new Error(`${ctx.name}: the server is already listening; pass it unstarted, quiesce calls listen()`);
      const own = new ConnectionTracker(srv, ctx.inFlight, probe);
      tracker = own;
      ctx.shutdownRequested.addEventListener('abort', () => own.closeAfterEachResponse(), { once: true });
      await listenOn(srv, { port, host, ...listen });
    },
    quiesce: (_srv, ctx) => tracker?.close(ctx.signal),
    stop: () => tracker?.closed,
  };
}

function listenOn(server: HttpServerLike, options: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`cannot listen on ${options.host}:${options.port}: ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
