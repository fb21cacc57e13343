import http from 'node:http';
import https from 'node:https';
import { type Logger, type ResourceDefinition, type Resolver, type Token } from '@quiesce/core';
import { parseOptions } from '@quiesce/core/kit';
import { WebSocketServer } from 'ws';
import { WsForeignServiceError, WsNotAServerError } from './errors.js';
import { Gateway } from './gateway.js';
import { wsServerOptionsSchema, type SharedServer, type WsServerOptions } from './options.js';
import { gatewayOf, WebSocketService } from './service.js';

/**
 * A ws 8 WebSocket server as a lifecycle resource, on its own port or on a shared http(s) server.
 * From the shutdown request on, upgrades are refused (503). Stop: core closes the node's InFlight;
 * every client gets the close frame (1001 "Going Away") at once, or, with message handlers run
 * through `service.onMessage` still running for it, as soon as they are done (their replies go
 * first) while core waits for them; the stop waits for the close handshakes. When `ctx.signal`
 * aborts (the node's time is up), the clients still open are terminated and the node is
 * reported `timedOut`; the log says how many closed cleanly and how many were cut.
 */
export function wsServer(options: WsServerOptions): ResourceDefinition<WebSocketService> {
  return defineWsServer(options, 'wsServer');
}

/** wsServer with the subject validation errors carry (wsModule reports as itself). */
export function defineWsServer(options: WsServerOptions, subject: string, fallbackLogger: () => Logger | undefined = () => undefined): ResourceDefinition<WebSocketService> {
  const parsed = parseOptions(wsServerOptionsSchema, options, subject);
  const { port, host, server, serverToken, httpServer: _renamed, path, ws, onConnection, closeCode, closeReason, logger, ...lifecycle } = parsed;
  const name = lifecycle.name ?? 'ws';
  const created = new WeakSet<WebSocketService>();
  return {
    ...lifecycle,
    // Given by token, the http node is resolved (and must be started) before this one: an edge.
    // Given as an instance, there is none, and the two nodes stop in parallel.
    dependsOn: serverToken === undefined ? options.dependsOn : [...(options.dependsOn ?? []).filter((t) => t !== serverToken), serverToken],
    create: (resolver: Resolver) => {
      const own = port !== undefined;
      const shared = own ? ownServer() : (server ?? resolveServer(serverToken!, resolver, name));
      const wss = new WebSocketServer({ ...(ws as object), noServer: true });
      const gateway = new Gateway(wss, shared, { name, path, closeCode, closeReason, logger: () => logger ?? fallbackLogger(), listen: own ? { port, host } : undefined });
      const service = new WebSocketService(gateway);
      if (onConnection) wss.on('connection', (socket, req) => (onConnection as NonNullable<WsServerOptions['onConnection']>)(socket, req, service));
      created.add(service);
      return service;
    },
    start: (service, ctx) => {
      if (!created.has(service)) throw new WsForeignServiceError(ctx.name);
      return gatewayOf(service).start(ctx);
    },
    quiesce: (service, ctx) => gatewayOf(service).quiesce(ctx),
    stop: (service, ctx) => gatewayOf(service).stop(ctx),
    // Core reads this when the node's time is up (the report's `cut.open`), before the force path runs.
    pending: (service) => gatewayOf(service).pending(),
  };
}

/** Our own server answers plain HTTP with 426 and closes: it exists for the upgrades. */
function ownServer(): http.Server {
  return http.createServer((_req, res) => {
    res.writeHead(426, { connection: 'close', upgrade: 'websocket', 'content-length': 0 }).end();
  });
}

function resolveServer(token: Token, resolver: Resolver, node: string): SharedServer {
  const server = resolver.get<unknown>(token);
  if (!isServer(server)) throw new WsNotAServerError(node, token, server);
  return server;
}

const isServer = (v: unknown): v is SharedServer => v instanceof http.Server || v instanceof https.Server;
