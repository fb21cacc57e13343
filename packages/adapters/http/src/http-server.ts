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
  const { server, create, port, host, listen, probes, headerGraceMs, drainDelayMs: _, ...lifecycle } = parseOptions(httpServerOptionsSchema, options, subject);
  const probe = probes?.health && (probes.readiness || probes.liveness) ? probeRouter(probes.health, probes) : undefined;
  // One tracker per server instance (not per definition): a definition or server reused by a
  // second container must not make the first one's stop act on the wrong tracker.
  const trackers = new WeakMap<HttpServerLike, ConnectionTracker>();
  return {
    ...lifecycle,
    create: () => server ?? (create as () => HttpServerLike)(),
    start: async (srv, ctx) => {
      if (!((srv as unknown) instanceof http.Server || (srv as unknown) instanceof https.Server)) throw new Error(`${ctx.name}: create() must return an http.Server or https.Server`);
      if (srv.listening) throw new Error(`${ctx.name}: the server is already listening; pass it unstarted, quiesce calls listen()`);
      if (trackers.has(srv)) throw new Error(`${ctx.name}: this server was already started once; create a new server for a new container`);
      const own = new ConnectionTracker(srv, ctx.inFlight, probe, headerGraceMs);
      trackers.set(srv, own);
      ctx.shutdownRequested.addEventListener('abort', () => own.closeAfterEachResponse(), { once: true });
      await listenOn(srv, { port, host, ...listen });
    },
    quiesce: (srv, ctx) => trackers.get(srv)?.close(ctx.signal),
    stop: (srv) => trackers.get(srv)?.closed,
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
