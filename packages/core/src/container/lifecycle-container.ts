import { ErrorCodes, StartAbortedError } from '../errors.js';
import { ContainerShutDownError } from './usage-errors.js';
import { PlanDoesNotFitError } from '../graph/plan.js';
import { runDrain } from './drain.js';
import { LazyAbort } from '../engine/abort.js';
import type { WalkResult } from '../engine/walk.js';
import type { ContainerState, HealthReport } from '../process/health.js';
import { HandleOrigins } from '../process/handle-origins.js';
import { NodeObserver, type PendingNode } from '../process/node-observer.js';
import { handleSignals, type SignalOptions } from '../process/signals.js';
import { StartError, type ShutdownReport } from '../report/report.js';
import { shutdownReasonOf, type ShutdownReason } from '../shutdown-reason.js';
import type { CompiledGraph } from './compile.js';
import { ResourceDeclarations } from './declarations.js';
import type { ContainerOptionsInput } from './options.js';
import { stopTakesTime } from './hook-table.js';
import { RunningGraph } from './running-graph.js';
import { interruptedReport, type ShutdownBegan } from './interrupted-report.js';
import { firstFailure, startWalk } from './start-walk.js';
import { stopWalk } from './stop-walk.js';

export type { ContainerState };

/** The code of the process warning a resource's `planWarning` becomes at start (when no logger is set). */
export const PLAN_WARNING = 'QUIESCE_PLAN_WARNING';

/**
 * Binds resources in an inversify container, builds their dependency graph, starts them in
 * dependency order and shuts them down in reverse, each node under its own timeout, the whole
 * under one global deadline. inversify only constructs; quiesce owns the order.
 *
 * Read top to bottom, this class is the lifecycle: declare (ResourceDeclarations) → start
 * (start-walk.ts) → shutdown: drain, then stop (stop-walk.ts, node-stops.ts) → report.
 */
export class LifecycleContainer extends ResourceDeclarations {
  readonly #interrupt = new AbortController();
  readonly #shutdownRequested = new LazyAbort(); // lazy: most containers never read it (ARCHITECTURE.md, performance)
  #reason: ShutdownReason | undefined;
  readonly #observer: NodeObserver;
  #run: RunningGraph | undefined; // the graph being started or stopped, fixed at start
  #state: ContainerState = 'idle';
  #hasStarted = false;
  #startPromise: Promise<void> | undefined;
  #shutdownPromise: Promise<ShutdownReport> | undefined;
  /** When the running shutdown began (for a report written if the process ends before it finishes). */
  #began: ShutdownBegan | undefined;
  /** @internal Which node created which handle (named when the process is held after its report). */
  readonly origins: HandleOrigins;

  constructor(options: ContainerOptionsInput = {}) {
    super(options);
    this.#observer = new NodeObserver(this.events, this.options.clock);
    this.origins = new HandleOrigins(this.options.handleOrigins);
  }

  get state(): ContainerState { return this.#state; }

  /** Aborts the moment shutdown is requested (before the drain delay and before any node stops). */
  get shutdownRequested(): AbortSignal {
    return this.#shutdownRequested.signal;
  }

  /** Why the shutdown happened (what every stop hook gets as `ctx.reason`); undefined before one was requested. */
  get shutdownReason(): ShutdownReason | undefined {
    return this.#reason;
  }

  /** True once start() completed: a shutdown after this is a normal stop, not an interrupted startup. */
  get hasStarted(): boolean {
    return this.#hasStarted;
  }

  /** @internal */
  protected canRegister(): boolean {
    return this.#state === 'idle';
  }

  // ---- starting --------------------------------------------------------------------------

  /** Start every node, dependencies first. Rejects with StartError (after stopping what started) or StartAbortedError. */
  start(): Promise<void> {
    // A container runs once: after its shutdown the resources are closed (never pretend to start).
    if (this.#shutdownPromise && this.#hasStarted) return Promise.reject(new ContainerShutDownError(this.#state));
    this.#startPromise ??= this.#start();
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    if (this.#state !== 'idle') throw new ContainerShutDownError(this.#state);
    this.registry.forgetIfRebound();
    const run = this.#runningGraph(this.validate());
    this.#checkPlan();
    this.#state = 'starting';
    // The first pump runs a microtask later, so a shutdown() from inside a synchronous start hook
    // already finds the start walk to interrupt.
    this.origins.beginPhase();
    const result: WalkResult = await Promise.resolve()
      .then(() => startWalk(run, this.container, this.#interrupt.signal, this.#observer, this.origins))
      .finally(() => this.origins.endPhase());
    if (this.#shutdownPromise) {
      await this.#shutdownPromise;
      throw new StartAbortedError();
    }
    const failed = firstFailure(result);
    if (failed >= 0) {
      this.#reason ??= { kind: 'startFailed', node: run.compiled.graph.names[failed]!, error: result.outcomes[failed]!.error };
      const report = await this.#beginShutdown(() => {
        this.#shutdownRequested.abort();
        this.#observer.draining();
        this.#began = { requestedAt: this.options.clock.wallNow(), began: this.options.clock.now() };
        return this.#stop({ ...this.#began, elapsedMs: 0 });
      });
      throw new StartError(run.compiled.graph.names[failed]!, result.outcomes[failed]!.error, report);
    }
    this.#state = 'running';
    this.#hasStarted = true;
  }

  #runningGraph(compiled: ReturnType<ResourceDeclarations['validate']>): RunningGraph {
    this.#run = new RunningGraph(compiled, this.registry.limits(compiled), this, this.registry, this.inFlights);
    this.#observer.reset(compiled.graph.names);
    return this.#run;
  }

  /** A plan that does not fit, and what resources say cannot work: refused (strictPlan) or warned — visible without a logger too. */
  #checkPlan(): void {
    const plan = this.plan();
    if (!plan.fits && this.options.strictPlan) throw new PlanDoesNotFitError(plan);
    if (!plan.fits) this.#warn({ plan }, `quiesce: worst-case shutdown does not fit the deadline: ${plan.summary}`, ErrorCodes.PlanDoesNotFitError);
    for (const warning of plan.warnings) this.#warn({ plan }, `quiesce: ${warning}`, PLAN_WARNING);
  }

  #warn(fields: object, message: string, code: string): void {
    if (this.options.logger) this.options.logger.warn(fields, message);
    else process.emitWarning(message, { type: 'QuiesceWarning', code });
  }

  /** After start the real hooks are known (a factory's value may dispose itself): the plan uses them. */
  protected override mayStop(compiled: CompiledGraph, i: number): boolean {
    const run = this.#run;
    if (run?.compiled !== compiled || !run.starts.needsStop(i)) return super.mayStop(compiled, i);
    const hooks = run.hooks[i];
    return stopTakesTime(hooks) || super.mayStop(compiled, i);
  }

  // ---- stopping --------------------------------------------------------------------------

  /**
   * Stop everything that started, dependents before dependencies, under the global deadline.
   * Idempotent: every call — concurrent, repeated, or made from inside the shutdown (a hook, an
   * event listener, an abort listener) — returns the same report. Never throws for a node's failure.
   */
  shutdown(reason?: ShutdownReason | string): Promise<ShutdownReport> {
    if (this.#shutdownPromise) return this.#shutdownPromise;
    // The first request's reason is kept; a later or re-entrant call joins it.
    this.#reason ??= shutdownReasonOf(reason);
    return this.#beginShutdown(() => this.#requestedShutdown());
  }

  /**
   * The one place a shutdown (requested, or a failed start's rollback) begins. The shared promise
   * exists before `run` executes any user code, so every re-entrant call joins this run.
   */
  #beginShutdown(run: () => Promise<ShutdownReport>): Promise<ShutdownReport> {
    let settle!: (report: Promise<ShutdownReport>) => void;
    this.#shutdownPromise = new Promise<ShutdownReport>((resolve) => (settle = resolve));
    settle(run());
    return this.#shutdownPromise;
  }

  async #requestedShutdown(): Promise<ShutdownReport> {
    const requestedAt = this.options.clock.wallNow();
    const began = this.options.clock.now();
    this.#began = { requestedAt, began };
    this.#shutdownRequested.abort();
    if (this.#state === 'idle') {
      // Nothing started: a graph that never validated cannot have started anything either.
      this.#state = 'stopped';
      this.#runningGraph(this.registry.compileOrEmpty());
      return this.#stop({ requestedAt, began, elapsedMs: 0 });
    }
    // Starts in progress are given up on at once (their signals abort); the stop walk waits for
    // each of them only as long as the nodes it depends on can spare (see NodeStops).
    const interrupted = this.#state === 'starting';
    if (interrupted) this.#interrupt.abort();
    this.#state = 'draining';
    this.#observer.draining();
    const run = this.#run!;
    return runDrain(run, this.options, began, interrupted, (i) => (this.mayStop(run.compiled, i) ? run.limits.stopTimeoutMs[i]! : 0), (drain) => {
      this.#observer.drained();
      this.#began = { requestedAt, began, drain };
      return this.#stop({ requestedAt, began, elapsedMs: this.options.clock.now() - began, drain });
    });
  }

  async #stop(timing: Parameters<typeof stopWalk>[3]): Promise<ShutdownReport> {
    this.#state = 'stopping';
    this.origins.beginPhase();
    try {
      const report = await stopWalk(this.#run!, this.options, this.#observer, timing, this.origins);
      this.#state = 'stopped';
      return report;
    } finally {
      this.origins.endPhase();
    }
  }

  /**
   * @internal The report so far of a shutdown the process will not live to finish (`why` ends
   * it): for the report file written on the way out. Undefined when no shutdown began.
   */
  interruptedReport(why: string): ShutdownReport | undefined {
    if (this.#run === undefined || this.#began === undefined) return undefined;
    return interruptedReport(this.#run, this.#observer.stopsSoFar(), this.options, this.#began, why);
  }

  // ---- observing -------------------------------------------------------------------------

  /** Nodes whose hook is running right now, longest first: what a hung shutdown waits on. */
  pending(): PendingNode[] {
    return this.#observer.pending();
  }

  /** Per-node state and an aggregate readiness/liveness answer for probes. */
  health(): HealthReport {
    return this.#observer.health(this.#state);
  }

  /** Install SIGTERM/SIGINT handlers that run `shutdown()`; returns a function that removes them. */
  handleSignals(options?: SignalOptions): () => void {
    return handleSignals(this, options);
  }

  /**
   * Create, configure and start in one step, for `await using app = await LifecycleContainer.start(...)`:
   * the app shuts down when the scope exits (needs `"lib": ["ES2022", "ESNext.Disposable"]`).
   */
  static async start(configure: (app: LifecycleContainer) => void, options?: ContainerOptionsInput): Promise<LifecycleContainer> {
    const app = new LifecycleContainer(options);
    configure(app);
    await app.start();
    return app;
  }

  /** TC39 explicit resource management: `await using app = ...` shuts down at scope exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}
