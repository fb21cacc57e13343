import * as grpc from '@grpc/grpc-js';
import { type HookContext, type Logger } from '@quiesce/core';
import { onAbort } from '@quiesce/core/kit';
import { CallTracker } from './calls.js';
import { GrpcCallsCancelledError, GrpcServerAlreadyBoundError, GrpcServerShutDownError } from './errors.js';
import type { HealthService } from './health.js';
import { AcceptedSockets } from './sockets.js';

export interface LifecycleConfig {
  name: string;
  host: string;
  port: number;
  credentials: grpc.ServerCredentials;
  logger: () => Logger | undefined;
}

export const FORCED_SHUTDOWN_WARNING = 'QUIESCE_GRPC_FORCED_SHUTDOWN';

/**
 * One gRPC server's lifecycle. Stop: health NOT_SERVING (from the shutdown request on), then
 * `tryShutdown()` — no new calls, GOAWAY to every client — while streaming handlers see
 * `draining` abort; core waits for the tracked calls; then the stop waits for tryShutdown's
 * callback. Its callback may never come (a client that vanished mid-stream, a client stream
 * answered early): it is always raced with the node's signal, whose abort is `forceShutdown()`.
 */
export class ServerLifecycle {
  readonly calls: CallTracker;
  readonly #draining = new AbortController();
  #port: number | undefined;
  #shutdown: Promise<void> | undefined;
  #forced = false;
  readonly #sockets: AcceptedSockets;

  constructor(
    readonly server: grpc.Server,
    readonly health: HealthService | undefined,
    readonly config: LifecycleConfig,
  ) {
    this.calls = new CallTracker(config.name);
    this.#sockets = new AcceptedSockets(() => this.#port ?? this.config.port, config.host);
  }

  get draining(): AbortSignal {
    return this.#draining.signal;
  }

  get port(): number | undefined {
    return this.#port;
  }

  async start(ctx: HookContext): Promise<void> {
    // Before anything is added to the server or bound: a refused server is left as it was given.
    refuseUnfresh(this.server, ctx.name);
    this.calls.attach(ctx.inFlight);
    this.health?.addTo(this.server);
    const { host, port, credentials } = this.config;
    this.#sockets.watch();
    try {
      this.#port = await new Promise<number>((resolve, reject) =>
        this.server.bindAsync(`${host}:${port}`, credentials, (error, bound) => (error ? reject(new Error(`cannot bind ${host}:${port}: ${error.message}`, { cause: error })) : resolve(bound))),
      );
    } catch (error) {
      this.#sockets.unwatch();
      throw error;
    }
    // The gRPC equivalent of /readyz: health-checking load balancers stop sending calls here.
    onAbort(ctx.shutdownRequested, () => (this.calls.late.requested(), this.health?.setAll('NOT_SERVING')));
    if (!ctx.shutdownRequested.aborted) this.health?.setAll('SERVING');
  }

  quiesce(ctx: HookContext): void {
    this.calls.late.drainEnded();
    // From the node's stop on (the drain delay is still normal serving), a call its client cancels is counted.
    if (!this.#forced) this.calls.countCancelled = true;
    onAbort(ctx.signal, () => this.#force());
    this.health?.setAll('NOT_SERVING');
    this.health?.endWatches();
    this.#draining.abort(new Error(`${this.config.name} is shutting down: end your streams`));
    this.#shutdown = new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  async stop(ctx: HookContext): Promise<void> {
    onAbort(ctx.signal, () => this.#force());
    try {
      if (!this.#shutdown || ctx.signal.aborted) return;
      const signal = ctx.signal;
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        void this.#shutdown!.then(() => resolve());
      });
    } finally {
      // tryShutdown() completed: every session closed, and its socket with it. Forced: #force cuts what is left.
      if (!this.#forced) this.#sockets.unwatch();
      // No new call can arrive now: whether clients were still sending them by then goes on the report.
      this.calls.late.report(ctx);
    }
    // Nothing was cut by us, but calls of the shutdown ended without their answer: the report says so.
    if (!this.#forced && this.calls.cancelled.size > 0) throw new GrpcCallsCancelledError(this.config.name, this.calls.cancelled);
  }

  /** The force path: every session destroyed (clients see their calls CANCELLED); what was cut is logged. */
  #force(): void {
    if (this.#forced) return;
    this.#forced = true;
    this.calls.countCancelled = false;
    const cut = this.describeRunning();
    this.server.forceShutdown();
    // forceShutdown() closes each session before destroying it, so Node's http2 only ends its socket
    // and waits for the peer's FIN: a peer that never sends it (frozen, gone) would keep the socket,
    // and the process, alive. Once the frames the destroy queued (GOAWAY, RST_STREAM) went out, the
    // sockets still open are cut.
    setImmediate(() => this.#sockets.destroyAll());
    if (cut.length === 0) return;
    const message = `${this.config.name}: forceShutdown at the timeout cancelled ${cut.join(', ')}`;
    const logger = this.config.logger();
    if (logger) logger.warn({ node: this.config.name, cancelled: Object.fromEntries(this.calls.running) }, message);
    else process.emitWarning(message, { code: FORCED_SHUTDOWN_WARNING });
  }

  describeRunning(): string[] {
    return [...this.calls.running].map(([path, n]) => `${n} call${n === 1 ? '' : 's'} of ${path}`);
  }

  pending(): string[] | undefined {
    const running = this.describeRunning();
    if (running.length > 0) return running.map((r) => `${r} still running`);
    if (this.#shutdown && !this.#forced) return ['tryShutdown(): sessions still open (no tracked call left)'];
    return undefined;
  }
}

/**
 * An adopted server must be as `new grpc.Server()` left it: bound already, binding it again on our
 * port would serve on both (and health and the drain would cover only one story of the two); shut
 * down, it can never bind. grpc-js has no public accessor for either: since 1.10 it keeps every
 * `bindAsync` (done or still in progress) in its private `boundPorts` map, keyed by the address as
 * given, and a `shutdown` flag. A shape we do not know (a later grpc-js) is not refused.
 */
function refuseUnfresh(server: grpc.Server, node: string): void {
  const state = server as unknown as { boundPorts?: unknown; shutdown?: unknown };
  if (state.shutdown === true) throw new GrpcServerShutDownError(node);
  if (state.boundPorts instanceof Map && state.boundPorts.size > 0) throw new GrpcServerAlreadyBoundError(node, [...(state.boundPorts.keys() as Iterable<string>)]);
}
