import { type ResourceOptions, type Resolver } from '@quiesce/core';
import { exactlyOneOf, lazySchema, resourceOptionsSchema } from '@quiesce/core/kit';
import type { HealthSource } from './probes.js';
import { isHttpServer, type HttpServerLike } from './server-kinds.js';

export type { HttpServerLike } from './server-kinds.js';

export interface ProbeOptions {
  /** Path answered 200 while `health().ready`, 503 from the first shutdown request on (e.g. '/readyz'). */
  readiness?: string;
  /** Path answered 200 unless `health().live` is false (e.g. '/livez'). */
  liveness?: string;
  /** The container (or a function returning its health). `httpModule` fills it in. */
  health?: HealthSource;
}

export interface HttpServerOptions extends ResourceOptions {
  /** An unstarted server: node:http, node:https or node:http2 (`http.createServer(expressApp)`). Exactly one of `server` and `create`. */
  server?: HttpServerLike;
  /** Builds the server when the container resolves the node; `get` resolves other bindings (`({ get }) => http.createServer(routes(get(Orders)))`). */
  create?: (resolver: Resolver) => HttpServerLike;
  port: number;
  /** Default '127.0.0.1'. */
  host?: string;
  listen?: { backlog?: number; exclusive?: boolean; ipv6Only?: boolean };
  probes?: ProbeOptions;
  /**
   * Once the server drains, how long a connection with no request in progress (silent, sending
   * half a header block, mid TLS handshake, or whose keep-alive response just ended) may take to
   * deliver a complete request before it is closed. Default 500.
   */
  headerGraceMs?: number;
}

export const httpServerOptionsSchema = lazySchema((z) => {
  const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `expected ${what}`);
  const path = z.string().regex(/^\//, 'expected a path starting with "/"');
  return resourceOptionsSchema()
    .extend({
      server: z
        .custom<HttpServerLike>(isHttpServer, 'expected an http.Server, https.Server or http2 server (e.g. http.createServer(app))')
        .optional(),
      create: fn('a function returning an http, https or http2 server').optional(),
      port: z.number().int().min(0).max(65_535),
      host: z.string().min(1).default('127.0.0.1'),
      listen: z.object({ backlog: z.number().int().positive().optional(), exclusive: z.boolean().optional(), ipv6Only: z.boolean().optional() }).strict().optional(),
      headerGraceMs: z.number().int().nonnegative().max(2_147_483_647).default(500),
      probes: z
        .object({
          readiness: path.optional(),
          liveness: path.optional(),
          health: z.custom<HealthSource>((v) => typeof v === 'function' || (typeof v === 'object' && v !== null && typeof (v as { health?: unknown }).health === 'function'), 'expected the LifecycleContainer or a function returning app.health()').optional(),
        })
        .strict()
        .optional(),
      // A per-server delay would run after core closed the node's InFlight, so requests in it could not be tracked.
      drainDelayMs: z.never({ error: 'set drainDelayMs on the LifecycleContainer: it keeps serving (tracked) while readiness answers 503' }).optional(),
    })
    .superRefine(exactlyOneOf('server', 'create', 'give `server` (an http, https or http2 server) or `create` (a function of the resolver that builds one)'))
    .superRefine((o, ctx) => {
      if (o.probes && (o.probes.readiness || o.probes.liveness) && !o.probes.health) {
        ctx.addIssue({ code: 'custom', path: ['probes', 'health'], message: 'required outside httpModule: pass the container (health: app)' });
      }
    });
});
