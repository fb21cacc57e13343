import * as grpc from '@grpc/grpc-js';
import type { InFlight } from '@quiesce/core';

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>;
type AnyHandler = (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => void;

/**
 * Counts every call of the services added through it on the node's InFlight, from its arrival
 * until its status went out (unary and client-streaming: the callback; server and bidi streams:
 * the stream finished) or it was cancelled. Once the node is stopping, a call that still gets
 * here (it raced the GOAWAY) is refused with UNAVAILABLE: the client may retry it elsewhere.
 */
export class CallTracker {
  /** Calls in progress by method path, for the report. */
  readonly #running = new Map<string, number>();
  #inFlight: InFlight | undefined;

  constructor(readonly name: string) {}

  attach(inFlight: InFlight): void {
    this.#inFlight = inFlight;
  }

  get running(): ReadonlyMap<string, number> {
    return this.#running;
  }

  wrap(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation {
    const wrapped: grpc.UntypedServiceImplementation = {};
    for (const [method, handler] of Object.entries(implementation)) {
      const spec = definition[method];
      wrapped[method] = spec && typeof handler === 'function' ? this.#wrapOne(spec.path, spec.responseStream, handler as AnyHandler) : handler;
    }
    return wrapped;
  }

  #wrapOne(path: string, responseStream: boolean, handler: AnyHandler): AnyHandler {
    return (call, callback) => {
      let untrack: () => void;
      try {
        if (!this.#inFlight) throw new Error('not started');
        untrack = this.#inFlight.track();
      } catch {
        const refusal = { code: grpc.status.UNAVAILABLE, details: `${this.name} is shutting down` };
        if (callback) callback(refusal);
        else (call as grpc.ServerWritableStream<unknown, unknown>).emit('error', refusal);
        return;
      }
      this.#running.set(path, (this.#running.get(path) ?? 0) + 1);
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        const left = this.#running.get(path)! - 1;
        if (left > 0) this.#running.set(path, left);
        else this.#running.delete(path);
        untrack();
      };
      const events = call as unknown as NodeJS.EventEmitter;
      events.once('cancelled', finish);
      if (responseStream) {
        events.once('finish', finish);
        events.once('close', finish);
        return handler(call);
      }
      handler(call, (...args: Parameters<grpc.sendUnaryData<unknown>>) => {
        finish();
        callback!(...args);
      });
    };
  }
}
