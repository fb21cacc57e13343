import * as grpc from '@grpc/grpc-js';
import healthCheck from 'grpc-health-check';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

type WatchCall = grpc.ServerWritableStream<{ service: string }, { status: string }>;

/**
 * grpc.health.v1.Health over the definition `grpc-health-check` ships. Its own implementation
 * keeps every Watch stream open forever, which holds `tryShutdown()` until the timeout: here a
 * Watch stream gets NOT_SERVING and is ended when the server drains (clients re-watch elsewhere).
 */
export class HealthService {
  readonly #status = new Map<string, ServingStatus>();
  readonly #watches = new Set<WatchCall>();

  constructor(services: readonly string[]) {
    for (const name of ['', ...services]) this.#status.set(name, 'NOT_SERVING');
  }

  addTo(server: grpc.Server): void {
    server.addService(healthCheck.service as unknown as grpc.ServiceDefinition, {
      check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const status = this.#status.get(call.request.service);
        if (status) callback(null, { status });
        else callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      },
      watch: (call: WatchCall) => {
        this.#watches.add(call);
        call.once('cancelled', () => this.#watches.delete(call));
        call.once('finish', () => this.#watches.delete(call));
        call.write({ status: this.#status.get(call.request.service) ?? 'SERVICE_UNKNOWN' });
      },
      list: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        callback(null, { statuses: Object.fromEntries([...this.#status].map(([name, status]) => [name, { status }])) });
      },
    });
  }

  set(service: string, status: ServingStatus): void {
    // Watchers are told of changes only (the protocol's promise), not of every call here.
    if (this.#status.get(service) === status) return;
    this.#status.set(service, status);
    for (const call of this.#watches) if (call.request.service === service) call.write({ status });
  }

  setAll(status: ServingStatus): void {
    for (const name of [...this.#status.keys()]) this.set(name, status);
  }

  /** Ends every Watch stream (after it was told NOT_SERVING), so they do not hold the drain. */
  endWatches(): void {
    for (const call of this.#watches) call.end();
    this.#watches.clear();
  }
}
