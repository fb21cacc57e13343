import http from 'node:http';
import https from 'node:https';
import { type Logger, type ResourceOptions, type Token } from '@quiesce/core';
import { exactlyOneOf, lazySchema, loggerSchema, renamedFields, resourceOptionsSchema, tokenSchema } from '@quiesce/core/kit';
import type { IncomingMessage } from 'node:http';
import type { ServerOptions, WebSocket } from 'ws';
import type { WebSocketService } from './service.js';

export type SharedServer = http.Server | https.Server;

export interface WsServerOptions extends ResourceOptions {
  /** Own server: the port to listen on when the node starts (0: any free port). Exactly one of `port`, `server` and `serverToken`. */
  port?: number;
  /** Own server's host. Default '127.0.0.1'. */
  host?: string;
  /**
   * Shared server, adopted: the http(s) server that receives the upgrades. Its listening is not
   * ours: we only take the upgrades (for `path`); the two nodes stop in parallel. (0.x: was `httpServer`.)
   */
  server?: SharedServer;
  /**
   * Shared server, by reference: the token of the node whose value is the http(s) server (an
   * `@quiesce/http` node): this node depends on it, so it is started first and stopped after us. (0.x: was `httpServer`.)
   */
  serverToken?: Token<SharedServer>;
  /** Only upgrades for this path are ours (e.g. '/feed'); others are left to other 'upgrade' listeners. */
  path?: string;
  /** Passed to `new WebSocketServer({ noServer: true, ...ws })` (maxPayload, perMessageDeflate, verifyClient…). */
  ws?: Omit<ServerOptions, 'noServer' | 'server' | 'port' | 'host' | 'path'>;
  /** Called for every accepted client: attach your listeners (`service.onMessage(socket, handler)` tracks handlers). */
  onConnection?: (socket: WebSocket, req: IncomingMessage, service: WebSocketService) => void;
  /**
   * Close code sent to every client at stop: 1000–1003, 1007–1014 (1012 "Service Restart", 1013
   * "Try Again Later"…) or 3000–4999. Default 1001 ("Going Away").
   */
  closeCode?: number;
  /** Close reason (≤ 123 bytes of UTF-8). Default 'Going Away'. */
  closeReason?: string;
  /** Where the stop's outcome is logged (pino shape). Default: the container's logger under wsModule, else process warnings when clients were terminated. */
  logger?: Logger;
}

/** The codes an endpoint may put in a close frame (RFC 6455 §7.4.1, §7.4.2 and the IANA registry). */
export const isSendableCloseCode = (code: number): boolean => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

export const wsServerOptionsSchema = lazySchema((z) => {
  const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `expected ${what}`);
  return resourceOptionsSchema()
    .extend({
      port: z.number().int().min(0).max(65_535).optional(),
      host: z.string().min(1).default('127.0.0.1'),
      server: z.custom<SharedServer>((v) => v instanceof http.Server || v instanceof https.Server, 'expected an http.Server or https.Server (for a token: `serverToken`)').optional(),
      serverToken: tokenSchema().optional(),
      ...renamedFields(z, { httpServer: 'server` (an instance) or `serverToken' }),
      path: z.string().regex(/^\//, 'expected a path starting with "/"').optional(),
      ws: z.record(z.string(), z.unknown()).optional(),
      onConnection: fn('a function (socket, req, service) => void').optional(),
      // What a server may send in a close frame: RFC 6455 §7.4.1's codes and the IANA registry's
      // additions (1012 Service Restart, 1013 Try Again Later, 1014 Bad Gateway), and 3000–4999
      // (libraries, applications). 1004 is reserved; 1005, 1006 and 1015 stand for "no code", "no
      // close frame" and "TLS handshake failed" and must never be sent (§7.4.1). 1001: "going away".
      closeCode: z
        .number()
        .int()
        .refine(isSendableCloseCode, 'expected a close code a server may send: 1000–1003, 1007–1014 or 3000–4999 (1004–1006 and 1015 are reserved, never sent in a close frame: RFC 6455 §7.4, IANA WebSocket close codes)')
        .default(1001),
      closeReason: z.string().refine((r) => Buffer.byteLength(r) <= 123, 'at most 123 bytes of UTF-8 (a close frame holds 125 with the code)').default('Going Away'),
      logger: loggerSchema().optional(),
    })
    .superRefine(exactlyOneOf(['port', 'server', 'serverToken'], 'give `port` (own server), `server` (an http.Server to share) or `serverToken` (the node of one)'))
    .superRefine((o, ctx) => {
      if (o.ws && ['noServer', 'server', 'port', 'host', 'path'].some((k) => k in o.ws!)) {
        ctx.addIssue({ code: 'custom', path: ['ws'], message: 'noServer/server/port/host/path are set by the adapter: use its own `port`, `server`, `serverToken`, `host`, `path`' });
      }
    });
});

export type WsModuleOptions = WsServerOptions & {
  /** Token to inject the service by. Default: `name`, else 'ws'. */
  token?: Token<WebSocketService>;
};
