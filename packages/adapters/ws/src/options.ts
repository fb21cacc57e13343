import http from 'node:http';
import https from 'node:https';
import { type Logger, type ResourceOptions, type Token } from '@quiesce/core';
import { lazySchema, loggerSchema, resourceOptionsSchema } from '@quiesce/core/kit';
import type { IncomingMessage } from 'node:http';
import type { ServerOptions, WebSocket } from 'ws';
import type { WebSocketService } from './service.js';

export type SharedServer = http.Server | https.Server;

export interface WsServerOptions extends ResourceOptions {
  /** Own server: the port to listen on when the node starts (0: any free port). Exactly one of `port` and `httpServer`. */
  port?: number;
  /** Own server's host. Default '127.0.0.1'. */
  host?: string;
  /**
   * Shared server: the http(s) server that receives the upgrades (typically the one of an
   * `@quiesce/http` node), or the token it is bound to. Its listening is not ours: we only take
   * the upgrades (for `path`).
   */
  httpServer?: SharedServer | Token<SharedServer>;
  /** Only upgrades for this path are ours (e.g. '/feed'); others are left to other 'upgrade' listeners. */
  path?: string;
  /** Passed to `new WebSocketServer({ noServer: true, ...ws })` (maxPayload, perMessageDeflate, verifyClient…). */
  ws?: Omit<ServerOptions, 'noServer' | 'server' | 'port' | 'host' | 'path'>;
  /** Called for every accepted client: attach your listeners (`service.onMessage(socket, handler)` tracks handlers). */
  onConnection?: (socket: WebSocket, req: IncomingMessage, service: WebSocketService) => void;
  /** Close code sent to every client at stop. Default 1001 ("Going Away"). */
  closeCode?: number;
  /** Close reason (≤ 123 bytes of UTF-8). Default 'Going Away'. */
  closeReason?: string;
  /** Where the stop's outcome is logged (pino shape). Default: the container's logger under wsModule, else process warnings when clients were terminated. */
  logger?: Logger;
}

export const wsServerOptionsSchema = lazySchema((z) => {
  const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `expected ${what}`);
  const token = z.custom<unknown>((v) => typeof v === 'function' || typeof v === 'string' || typeof v === 'symbol', 'expected an http.Server, https.Server or the token of one');
  return resourceOptionsSchema()
    .extend({
      port: z.number().int().min(0).max(65_535).optional(),
      host: z.string().min(1).default('127.0.0.1'),
      httpServer: z.union([z.custom<SharedServer>((v) => v instanceof http.Server || v instanceof https.Server), token]).optional(),
      path: z.string().regex(/^\//, 'expected a path starting with "/"').optional(),
      ws: z.record(z.string(), z.unknown()).optional(),
      onConnection: fn('a function (socket, req, service) => void').optional(),
      // 1000 and 3000–4999 are what an endpoint may send; 1001 is the one that says "server going away" (RFC 6455 §7.4.1).
      closeCode: z.number().int().refine((c) => c === 1000 || c === 1001 || (c >= 3000 && c <= 4999), 'expected 1000, 1001 or 3000–4999 (RFC 6455 §7.4)').default(1001),
      closeReason: z.string().refine((r) => Buffer.byteLength(r) <= 123, 'at most 123 bytes of UTF-8 (a close frame holds 125 with the code)').default('Going Away'),
      logger: loggerSchema().optional(),
    })
    .superRefine((o, ctx) => {
      if ((o.port === undefined) === (o.httpServer === undefined)) ctx.addIssue({ code: 'custom', path: ['port'], message: 'give exactly one of `port` (own server) and `httpServer` (shared)' });
      if (o.ws && ['noServer', 'server', 'port', 'host', 'path'].some((k) => k in o.ws!)) {
        ctx.addIssue({ code: 'custom', path: ['ws'], message: 'noServer/server/port/host/path are set by the adapter: use its own `port`, `httpServer`, `host`, `path`' });
      }
    });
});

export type WsModuleOptions = WsServerOptions & {
  /** Token to inject the service by. Default: `name`, else 'ws'. */
  token?: Token<WebSocketService>;
};
