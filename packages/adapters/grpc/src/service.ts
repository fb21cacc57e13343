import type * as grpc from '@grpc/grpc-js';
import type { ServerLifecycle } from './lifecycle.js';
import type { ServingStatus } from './health.js';

const lifecycles = new WeakMap<GrpcService, ServerLifecycle>();

export function lifecycleOf(service: GrpcService): ServerLifecycle {
  return lifecycles.get(service)!;
}

/**
 * What `grpcServer` binds: the `grpc.Server`, `addService` that counts each call as the node's
 * in-flight work (so the report can say which calls were cut), the `draining` signal streaming
 * handlers end on, the health statuses, and `pending()` for the report.
 */
export class GrpcService {
  constructor(lifecycle: ServerLifecycle) {
    lifecycles.set(this, lifecycle);
  }

  get server(): grpc.Server {
    return lifecycleOf(this).server;
  }

  /** The port bound at start (the one asked for, or the one picked for port 0). */
  get port(): number | undefined {
    return lifecycleOf(this).port;
  }

  /**
   * Aborts when the node begins stopping: a server-streaming (or bidi) handler that would go on
   * forever ends its stream on it (`call.end()`), so `tryShutdown()` can complete.
   */
  get draining(): AbortSignal {
    return lifecycleOf(this).draining;
  }

  /** `server.addService`, with every call counted until its status went out (or it was cancelled). */
  addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): this {
    const lifecycle = lifecycleOf(this);
    lifecycle.server.addService(definition, lifecycle.calls.wrap(definition, implementation));
    return this;
  }

  /** Sets one service's health status (''= the whole server). NOT_SERVING is set for all from the shutdown request on. */
  setStatus(service: string, status: ServingStatus): void {
    lifecycleOf(this).health?.set(service, status);
  }

  /** What is still running when the node's time is up (read by core for the shutdown report). */
  pending(): string[] | undefined {
    return lifecycleOf(this).pending();
  }
}
