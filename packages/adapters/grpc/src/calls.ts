import * as grpc from '@grpc/grpc-js';
import type { InFlight } from '@quiesce/core';
import { LateArrivals } from '@quiesce/core/kit';

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
  /** Calls cancelled by their client (gone, or given up) before their answer went out, by method path, while `countCancelled`. */
  readonly #cancelled = new Map<string, number>();
  #inFlight: InFlight | undefined;
  /**
   * Set by the lifecycle from the node's stop (quiesce) on, cleared when its force path runs (the calls
   * forceShutdown() cancels are cut by us, and the node is timedOut for them already).
   */
  countCancelled = false;
  /** Calls after the shutdown request (health checks aside: not ours): the report's QUIESCE_DRAIN_TOO_SHORT when they came late. */
  readonly late = new LateArrivals('call', 'calls');

  constructor(readonly name: string) {}

  attach(inFlight: InFlight): void {
    this.#inFlight = inFlight;
  }

  get running(): ReadonlyMap<string, number> {
    return this.#running;
  }

  /** Calls of the shutdown that their client cancelled before their answer went out (see `countCancelled`). */
  get cancelled(): ReadonlyMap<string, number> {
    return this.#cancelled;
  }

  /**
   * The implementation grpc-js is given instead, resolved exactly as its `addService` resolves
   * the original: for each method of the definition (its keys), `implementation[name]`, else
   * `implementation[originalName]` (proto-loader's camelCase: `echo` for `rpc Echo`), looked up
   * through the prototype chain (a class instance's methods) and called with `this` the
   * implementation. Each one found is put under the definition's key, so grpc-js finds it first;
   * a method with no handler is left out (grpc-js answers it UNIMPLEMENTED, as without us).
   */
  wrap(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation {
    // Not two objects: grpc-js refuses them itself, with its own error.
    if (definition === null || typeof definition !== 'object' || implementation === null || typeof implementation !== 'object') return implementation;
    const wrapped: grpc.UntypedServiceImplementation = {};
    for (const name of Object.keys(definition)) {
      const spec = definition[name]!;
      let handler: unknown = (implementation as Record<string, unknown>)[name];
      if (handler === undefined && typeof spec.originalName === 'string') handler = (implementation as Record<string, unknown>)[spec.originalName];
      if (handler === undefined) continue;
      // Not a function: grpc-js's own `implFn.bind` throws for it, as it would without us.
      wrapped[name] = (typeof handler === 'function' ? this.#wrapOne(spec.path, spec.responseStream, (handler as AnyHandler).bind(implementation)) : handler) as grpc.UntypedHandleCall;
    }
    return wrapped;
  }

  /** The call counted on the node's InFlight; undefined once it is closed (the node is stopping), or before start (no call can arrive then). */
  #track(): (() => void) | undefined {
    if (!this.#inFlight || this.#inFlight.closed) return undefined;
    return this.#inFlight.track();
  }

  #wrapOne(path: string, responseStream: boolean, handler: AnyHandler): AnyHandler {
    return (call, callback) => {
      this.late.arrived();
      const untrack = this.#track();
      if (!untrack) {
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
      events.once('cancelled', () => {
        // Its client went away (killed, reset) or gave up (its deadline) while the call ran: whatever
        // the handler answers now goes nowhere.
        if (!done && this.countCancelled) this.#cancelled.set(path, (this.#cancelled.get(path) ?? 0) + 1);
        finish();
      });
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
