import * as grpc from '@grpc/grpc-js';
import { type Logger, type ResourceDefinition, type Resolver } from '@quiesce/core';
import { parseOptions } from '@quiesce/core/kit';
import { GrpcForeignServiceError, GrpcNotAServerError } from './errors.js';
import { HealthService } from './health.js';
import { ServerLifecycle } from './lifecycle.js';
import { grpcServerOptionsSchema, type GrpcServerOptions } from './options.js';
import { GrpcService, lifecycleOf } from './service.js';

/**
 * A @grpc/grpc-js server as a lifecycle resource. start = bind (and the health service).
 * From the shutdown request on, health says NOT_SERVING. Stop: `tryShutdown()` (no new calls,
 * in-flight calls finish, streaming handlers told to end through `service.draining`), core waits
 * for the calls; when the node's time is up, `forceShutdown()` cancels what is left and the node
 * is reported `timedOut`.
 */
export function grpcServer(options: GrpcServerOptions): ResourceDefinition<GrpcService> {
  return defineGrpcServer(options, 'grpcServer');
}

export function defineGrpcServer(options: GrpcServerOptions, subject: string, fallbackLogger: () => Logger | undefined = () => undefined): ResourceDefinition<GrpcService> {
  const { server, create, port, host, credentials, health, logger, ...lifecycle } = parseOptions(grpcServerOptionsSchema, options, subject);
  const name = lifecycle.name ?? 'grpc';
  const services = new WeakSet<GrpcService>();
  return {
    ...lifecycle,
    dependsOn: options.dependsOn,
    create: (resolver: Resolver) => {
      const srv = server ?? (create as (r: Resolver) => unknown)(resolver);
      if (!(srv instanceof grpc.Server)) throw new GrpcNotAServerError(name, srv);
      const healthService = health === false ? undefined : new HealthService(health.services ?? []);
      const config = { name, host, port, credentials: options.credentials ?? grpc.ServerCredentials.createInsecure(), logger: () => logger ?? fallbackLogger() };
      const service = new GrpcService(new ServerLifecycle(srv, healthService, config));
      services.add(service);
      return service;
    },
    start: (service, ctx) => {
      if (!services.has(service)) throw new GrpcForeignServiceError(ctx.name);
      return lifecycleOf(service).start(ctx);
    },
    quiesce: (service, ctx) => lifecycleOf(service).quiesce(ctx),
    stop: (service, ctx) => lifecycleOf(service).stop(ctx),
    // Core reads this when the node's time is up (the report's `cut.open`), before the force path runs.
    pending: (service) => lifecycleOf(service).pending(),
  };
}
