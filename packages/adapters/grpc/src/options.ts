import * as grpc from '@grpc/grpc-js';
import { type Logger, type ResourceOptions, type Resolver, type Token } from '@quiesce/core';
import { exactlyOneOf, lazySchema, loggerSchema, resourceOptionsSchema } from '@quiesce/core/kit';
import type { GrpcService } from './service.js';

export interface GrpcServerOptions extends ResourceOptions {
  /** An unstarted `grpc.Server` (not bound yet: quiesce binds it at start; one bound or shut down already is refused then). Exactly one of `server` and `create`. */
  server?: grpc.Server;
  /** Builds the server when the node is resolved; `get` resolves other bindings. */
  create?: (resolver: Resolver) => grpc.Server;
  /** 0–65535 (0: any free port; `service.port` says which). */
  port: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default `grpc.ServerCredentials.createInsecure()`. */
  credentials?: grpc.ServerCredentials;
  /**
   * The gRPC health service (grpc.health.v1.Health): SERVING for '' (the whole server) and each
   * service named here once started, NOT_SERVING from the shutdown request on. `false`: not added.
   * Default `{ services: [] }`.
   */
  health?: false | { services?: string[] };
  /** Where the force path's outcome is logged (pino shape). Default: the container's under grpcModule, else a process warning. */
  logger?: Logger;
}

export const grpcServerOptionsSchema = lazySchema((z) =>
  resourceOptionsSchema()
    .extend({
      server: z.custom<grpc.Server>((v) => v instanceof grpc.Server, 'expected a grpc.Server from @grpc/grpc-js').optional(),
      create: z.custom<(r: Resolver) => grpc.Server>((v) => typeof v === 'function', 'expected a function returning a grpc.Server').optional(),
      port: z.number().int().min(0).max(65_535),
      host: z.string().min(1).default('127.0.0.1'),
      credentials: z.custom<grpc.ServerCredentials>((v) => v instanceof grpc.ServerCredentials, 'expected grpc.ServerCredentials (e.g. createInsecure(), createSsl(...))').optional(),
      health: z.union([z.literal(false), z.object({ services: z.array(z.string().min(1)).optional() }).strict()]).default({ services: [] }),
      logger: loggerSchema().optional(),
    })
    .superRefine(exactlyOneOf('server', 'create', 'give `server` (a grpc.Server) or `create` (a function of the resolver that builds one)')),

);

export type GrpcModuleOptions = GrpcServerOptions & {
  /** Token to inject the service by. Default: `name`, else 'grpc'. */
  token?: Token<GrpcService>;
};
