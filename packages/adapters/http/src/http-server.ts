import type { ListenOptions } from 'node:net';
import { type ResourceDefinition } from '@quiesce/core';
import { parseOptions } from '@quiesce/core/kit';
import { ConnectionTracker } from './connections.js';
import { HttpListenError, HttpNotAServerError, HttpServerAlreadyListeningError, HttpServerAlreadyStartedError } from './errors.js';
import { httpServerOptionsSchema, type HttpServerOptions } from './options.js';
import { readinessNeedsDrainDelay } from './drain-delay-warning.js';
import { countLateRequests } from './late-traffic.js';
import { probeRouter } from './probes.js';
import { isHttp2Server, isHttpServer, type HttpServerLike, type ServerTracker } from './server-kinds.js';
import { SessionTracker } from './sessions.js';

/**
 * A node:http / https / http2 server as a lifecycle resource. start = listen. Stop: the node's
 * InFlight closes (core), quiesce tells every client to go (`Connection: close` on HTTP/1, GOAWAY
 * on HTTP/2), in-flight requests finish (core waits for the count), stop waits for the last
 * connection. HTTP/1 keeps listening meanwhile, answering 503 to what it accepts, and closes the
 * listener between two accepts once the connections from before are gone (HTTP/2 closes it at
 * quiesce, between two accepts). When `ctx.signal` aborts, the listener closes and every socket is
 * destroyed.
 */
export function httpServer(options: HttpServerOptions): ResourceDefinition<HttpServerLike> {
  const subject = `httpServer(${typeof options?.name === 'string' ? options.name : `port ${String(options?.port)}`})`;
  const { server, create, port, host, listen, probes, headerGraceMs, drainDelayMs: _, ...lifecycle } = parseOptions(httpServerOptionsSchema, options, subject);
  const probe = probes?.health && (probes.readiness || probes.liveness) ? probeRouter(probes.health, probes) : undefined;
  // One tracker per server instance (not per definition): a definition or server reused by a
  // second container must not make the first one's stop act on the wrong tracker.
  const trackers = new WeakMap<HttpServerLike, ServerTracker>();
  // What arrived after the shutdown request: the report's QUIESCE_DRAIN_TOO_SHORT (see late-traffic.ts).
  const arrivals = new WeakMap<HttpServerLike, ReturnType<typeof countLateRequests>>();
  const planWarning = readinessNeedsDrainDelay(probes?.readiness);
  return {
    ...lifecycle,
    ...(planWarning ? { planWarning } : {}),
    create: (resolver) => server ?? (create as NonNullable<HttpServerOptions['create']>)(resolver),
    start: async (srv, ctx) => {
      if (!isHttpServer(srv)) throw new HttpNotAServerError(ctx.name, srv);
      if (srv.listening) throw new HttpServerAlreadyListeningError(ctx.name, addressOf(srv));
      if (trackers.has(srv)) throw new HttpServerAlreadyStartedError(ctx.name);
      const own = isHttp2Server(srv) ? new SessionTracker(srv, ctx.inFlight, probe, headerGraceMs) : new ConnectionTracker(srv, ctx.inFlight, probe, headerGraceMs);
      trackers.set(srv, own);
      const late = countLateRequests(srv, probe);
      arrivals.set(srv, late);
      ctx.shutdownRequested.addEventListener('abort', () => (late.requested(), own.closeAfterEachResponse()), { once: true });
      await listenOn(srv, ctx.name, { port, host, ...listen });
    },
    quiesce: (srv, ctx) => (arrivals.get(srv)?.drainEnded(), trackers.get(srv)?.close(ctx.signal, ctx.name)),
    // Once closed, the listener is too: whether traffic was still arriving then goes on the report.
    stop: (srv, ctx) => trackers.get(srv)?.closed(ctx.name).finally(() => arrivals.get(srv)?.report(ctx)),
  };
}

function listenOn(server: HttpServerLike, node: string, options: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new HttpListenError(node, options.host, options.port, error));
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** `host:port` (or the pipe's path) a listening server is bound to, for the misuse error. */
function addressOf(server: HttpServerLike): string | undefined {
  const address = server.address();
  if (address === null) return undefined;
  if (typeof address === 'string') return address;
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
