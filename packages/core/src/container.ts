import { Container, type Newable } from 'inversify';
import type { CompiledGraph } from './compile.js';
import { getResourceOptions } from './decorators.js';
import { GraphExport } from './graph-export.js';
import {
  InvalidOptionsError,
  LifecycleStateError,
  NodeTimeoutError,
  StartAbortedError,
  StartError,
} from './errors.js';
import { LifecycleEvents, type LifecycleEventMap } from './events.js';
import type { HealthReport } from './health.js';
import { NodeObserver, type PendingNode } from './node-observer.js';
import type { HookContext, LifecycleHooks } from './hooks.js';
import { InFlight } from './in-flight.js';
import type { LifecycleModule } from './module.js';
import {
  containerOptionsSchema,
  parseOptions,
  resourceOptionsSchema,
  type ContainerOptions,
  type ContainerOptionsInput,
  type FailurePolicy,
  type ResourceOptions,
} from './options.js';
import type { PhaseContext } from './phase-context.js';
import { PlanDoesNotFitError, planShutdown, type ShutdownPlan } from './plan.js';
import {
  aliasRegistration,
  classRegistration,
  definitionRegistration,
  type Registration,
  type ResourceDefinition,
} from './registration.js';
import { buildShutdownReport, ShutdownReport } from './report.js';
import { NodeRun } from './phase-context.js';
import { walk, type WalkResult, type WalkStatus } from './scheduler.js';
import { handleSignals, type SignalOptions } from './signals.js';
import { isThenable, NO_STEPS, runSteps } from './steps.js';
import { LazyAbort } from './lazy-abort.js';
import type { NodeLimits } from './node-limits.js';
import { Registry } from './registry.js';
import { NodeHookContext } from './hook-context.js';
import { sleep, sleepUnlessDone } from './delay.js';
import { tokenName, type Token } from './token.js';

export type ContainerState = 'idle' | 'starting' | 'running' | 'draining' | 'stopping' | 'stopped';

/**
 * Binds resources in an inversify container, builds their dependency graph, starts them in
 * dependency order and shuts them down in reverse, each node under its own timeout, the whole
 * under one global deadline. inversify only constructs; quiesce owns the order.
 */
export class LifecycleContainer {
  /** The inversify container underneath: bind plain services on it as usual. */
  readonly container: Container;
  readonly options: ContainerOptions;
  readonly events: LifecycleEvents;
  readonly #registry: Registry;
  readonly #inFlight = new Map<unknown, InFlight>();
  readonly #interrupt = new AbortController();
  /** Lazy: aborting a real AbortController nobody listens to cost ~0.1–0.2 ms before the first stop. */
  readonly #shutdownRequested = new LazyAbort();
  readonly #observer: NodeObserver;
  #instances: unknown[] = [];
  /** The graph being started or stopped (fixed at start: nothing can be registered afterwards). */
  #compiled: CompiledGraph | undefined;
  #hooks: (LifecycleHooks | undefined)[] = [];
  #owner = new Map<unknown, number>();
  #started = new Uint8Array(0);
  #state: ContainerState = 'idle';
  #hasStarted = false;
  #startPromise: Promise<void> | undefined;
  #startWalk: Promise<WalkResult> | undefined;
  #shutdownPromise: Promise<ShutdownReport> | undefined;

  constructor(options: ContainerOptionsInput = {}) {
    this.options = parseOptions(containerOptionsSchema, options, 'LifecycleContainer');
    this.container = (this.options.container as Container | undefined) ?? new Container();
    this.events = new LifecycleEvents(this.options.logger);
    this.#observer = new NodeObserver(this.events);
    this.#registry = new Registry(this.container, this.options);
  }

  get state(): ContainerState {
    return this.#state;
  }

  /** Aborts the moment shutdown is requested (before the drain delay and before any node stops). */
  get shutdownRequested(): AbortSignal {
    return this.#shutdownRequested.signal;
  }

  // ---- declaring -------------------------------------------------------------------------

  /** Bind a class (singleton). With `@resource()` or `options` it is a lifecycle node; else a plain injectable. */
  bind(target: Newable, options?: ResourceOptions): this {
    // `{}` is the common "a resource with defaults" case: nothing to validate, skip zod.
    const own = options === undefined ? undefined : isEmpty(options) ? {} : parseOptions(resourceOptionsSchema, options, `bind(${tokenName(target)})`);
    const decorated = getResourceOptions(target);
    const merged = decorated && own ? { ...decorated, ...own } : (decorated ?? own);
    this.#register(classRegistration(target, merged));
    this.container.bind(target).toSelf().inSingletonScope();
    return this;
  }

  /**
   * A resource from a plain object, for clients you do not own:
   * `app.resource('db', { create: () => new Pool(cfg), stop: (pool) => pool.end(), dependsOn: [Config] })`.
   */
  resource<T>(token: Token<T>, definition: ResourceDefinition<T>): this {
    const subject = `resource(${tokenName(token)})`;
    const { create, value, start, quiesce, stop, ...rest } = definition;
    const options = parseOptions(resourceOptionsSchema, rest, subject);
    const issues = [];
    if ((create === undefined) === !('value' in definition)) issues.push({ field: 'create', message: 'give exactly one of `create` and `value`' });
    if (create !== undefined && typeof create !== 'function') issues.push({ field: 'create', message: 'expected a function' });
    for (const [field, fn] of Object.entries({ start, quiesce, stop })) {
      if (fn !== undefined && typeof fn !== 'function') issues.push({ field, message: 'expected a function' });
    }
    if (issues.length > 0) throw new InvalidOptionsError(subject, issues);
    this.#register(definitionRegistration(token, definition, options));
    if (create) {
      this.container
        .bind(token)
        .toDynamicValue((ctx) => create({ get: (t) => ctx.get(t) }))
        .inSingletonScope();
    } else {
      this.container.bind(token).toConstantValue(value as T);
    }
    return this;
  }

  /** A plain value (configuration, say): injectable, never started or stopped. */
  value<T>(token: Token<T>, value: T): this {
    this.#register({ token, kind: 'value', lifecycle: false, options: {}, dependencies: () => [], hooks: () => ({}) });
    this.container.bind(token).toConstantValue(value);
    return this;
  }

  /** Another token for the same instance (inversify `toService`); it is still started and stopped once. */
  alias<T>(token: Token<T>, target: Token<T>): this {
    this.#register(aliasRegistration(token, target));
    this.container.bind(token).toService(target);
    return this;
  }

  /** Register a group of resources (an adapter's ready-made module, say). */
  load(...modules: LifecycleModule[]): this {
    for (const module of modules) module.register(this);
    return this;
  }

  get<T>(token: Token<T>): T {
    return this.container.get<T>(token);
  }

  /**
   * The in-flight work counter of a node (the WaitGroup). Its stop refuses new work, then waits
   * for this count to reach zero before calling `stop`.
   */
  inFlight(token: Token): InFlight {
    let group = this.#inFlight.get(token);
    if (!group) {
      const registration = this.#registry.find(token);
      if (!registration?.lifecycle) throw new LifecycleStateError(`inFlight(${tokenName(token)}): not a lifecycle resource`);
      group = new InFlight(registration.options.name ?? tokenName(token));
      this.#inFlight.set(token, group);
    }
    return group;
  }

  on<K extends keyof LifecycleEventMap>(event: K, listener: (...args: LifecycleEventMap[K]) => void): this {
    this.events.on(event, listener as never);
    return this;
  }

  off<K extends keyof LifecycleEventMap>(event: K, listener: (...args: LifecycleEventMap[K]) => void): this {
    this.events.off(event, listener as never);
    return this;
  }

  #register(registration: Registration): void {
    if (this.#state !== 'idle') throw new LifecycleStateError(`cannot bind "${tokenName(registration.token)}" after start()`);
    this.#registry.add(registration);
  }

  // ---- validating ------------------------------------------------------------------------

  /** Build and check the graph (cycles, missing bindings) without starting anything. */
  validate(): CompiledGraph {
    return this.#registry.compile();
  }

  /** Worst-case shutdown time from the configured timeouts, and whether it fits the deadline. */
  plan(): ShutdownPlan {
    const compiled = this.validate();
    const { stopTimeoutMs, reserveMs } = this.#registry.limits(compiled);
    return planShutdown(
      compiled.graph,
      (i) => stopTimeoutMs[i]!,
      (i) => reserveMs[i]!,
      this.options.drainDelayMs,
      this.options.shutdownTimeoutMs,
      this.options.terminationGracePeriodSeconds,
    );
  }

  /** The dependency graph with each node's timeouts, as data, Mermaid or DOT. */
  graph(): GraphExport {
    const compiled = this.validate();
    const limits = this.#registry.limits(compiled);
    return GraphExport.from(compiled.graph, (i) => ({
      startTimeoutMs: limits.startTimeoutMs[i]!,
      stopTimeoutMs: limits.stopTimeoutMs[i]!,
      reserveMs: limits.reserveMs[i]!,
      policy: compiled.registrations[i]!.options.policy ?? 'critical',
    }));
  }

  #checkPlan(): void {
    const plan = this.plan();
    if (plan.fits) return;
    if (this.options.strictPlan) throw new PlanDoesNotFitError(plan);
    this.options.logger?.warn({ plan }, `quiesce: worst-case shutdown does not fit the deadline: ${plan.summary}`);
  }

  /** The running graph's per-node timeouts and reserves. */
  #limits(): NodeLimits {
    return this.#registry.limits(this.#compiled!);
  }

  #policy(i: number): FailurePolicy {
    return this.#compiled!.registrations[i]!.options.policy ?? 'critical';
  }

  // ---- starting --------------------------------------------------------------------------

  /** Start every node, dependencies first. Rejects with StartError (after stopping what started) or StartAbortedError. */
  start(): Promise<void> {
    this.#startPromise ??= this.#start();
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    if (this.#state !== 'idle') throw new LifecycleStateError(`cannot start: container is ${this.#state}`);
    this.#registry.forgetIfRebound();
    this.#compiled = this.validate();
    const { graph } = this.#compiled;
    const { startTimeoutMs } = this.#limits();
    this.#checkPlan();
    const n = graph.names.length;
    this.#hooks = new Array(n);
    this.#instances = new Array(n);
    this.#started = new Uint8Array(n);
    this.#observer.reset(graph.names);
    this.#state = 'starting';
    // The first pump runs a microtask later, so a shutdown() from inside a synchronous start hook
    // already finds the start walk to wait for.
    this.#startWalk = Promise.resolve().then(() => walk({
      graph,
      direction: 'start',
      haltOnFailure: true,
      interrupt: this.#interrupt.signal,
      timeoutMs: (i) => startTimeoutMs[i]!,
      run: (i, ctx) => this.#startNode(i, ctx),
      onTransition: (node, status, at, error) => this.#transition('start', node, status, at, error),
    }));
    const result = await this.#startWalk;
    if (this.#shutdownPromise) {
      await this.#shutdownPromise;
      throw new StartAbortedError();
    }
    const failed = firstFailure(result);
    if (failed >= 0) {
      this.#shutdownRequested.abort();
      this.#observer.draining();
      const rollback = this.#stopStarted(Date.now(), 0);
      this.#shutdownPromise = rollback;
      const report = await rollback;
      throw new StartError(graph.names[failed]!, result.outcomes[failed]!.error, report);
    }
    this.#state = 'running';
    this.#hasStarted = true;
  }

  /** True once start() completed: a shutdown after this is a normal stop, not an interrupted startup. */
  get hasStarted(): boolean {
    return this.#hasStarted;
  }

  #startNode(i: number, ctx: PhaseContext): unknown {
    const instance = this.#resolve(this.#compiled!.registrations[i]!);
    // No promise, context or closure for the common case: a sync instance without a start hook.
    const result = isThenable(instance)
      ? Promise.resolve(instance).then((value) => {
          // Given up on while its value was being built: never start it, release what was built.
          if (ctx.signal.aborted) {
            this.#adopt(i, value);
            this.#releaseLate(i);
            throw ctx.signal.reason;
          }
          return this.#startHook(i, ctx, value);
        })
      : this.#startHook(i, ctx, instance);
    if (isThenable(result)) {
      // A start that finishes after its timeout (or after shutdown interrupted it) left a running
      // resource nobody will stop: stop it now, best effort.
      result.then(
        () => ctx.signal.aborted && this.#releaseLate(i),
        () => undefined,
      );
    }
    return result;
  }

  /** Stop a node whose start completed only after the walk gave up on it (not in any report). */
  #releaseLate(i: number): void {
    const hooks = this.#hooks[i];
    if (!hooks?.quiesce && !hooks?.stop) return;
    const name = this.#compiled!.graph.names[i]!;
    const run = new NodeRun(name, 'stop');
    const timeoutMs = this.#limits().stopTimeoutMs[i]!;
    run.timer = setTimeout(() => run.abort(new NodeTimeoutError(name, 'stop', timeoutMs, 'own timeout')), timeoutMs);
    this.options.logger?.warn({ node: name }, `quiesce: ${name} finished starting after it was given up on; stopping it`);
    const ctx = this.#hookContext(i, run);
    Promise.resolve()
      .then(() => runSteps([() => hooks.quiesce?.(ctx), () => hooks.stop?.(ctx)], 0, run))
      .catch((error: unknown) => this.options.logger?.error({ node: name, err: error }, `quiesce: stopping ${name} after a late start failed`))
      .finally(() => run.clearTimer());
  }

  #startHook(i: number, ctx: PhaseContext, instance: unknown): unknown {
    this.#adopt(i, instance);
    const start = this.#hooks[i]?.start;
    return start ? start(this.#hookContext(i, ctx)) : undefined;
  }

  /**
   * Factories may be async: resolve them with getAsync, because a sync get() of an async factory
   * leaves inversify's caching promise behind, which rejects unhandled if the factory fails.
   * Everything else resolves synchronously (no promise per node); by then its dependencies have
   * started, so their values are cached and sync.
   */
  #resolve(registration: Registration): unknown {
    const token = registration.token as never;
    if (registration.kind === 'factory') return this.container.getAsync(token);
    try {
      return this.container.get(token);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('Unexpected asynchronous service')) return this.container.getAsync(token);
      throw error;
    }
  }

  /** Remember the node's hooks, unless another node already owns this very instance (stop it once). */
  #adopt(i: number, instance: unknown): void {
    const owner = this.#owner.get(instance);
    if (owner !== undefined && typeof instance === 'object') return;
    this.#owner.set(instance, i);
    this.#instances[i] = instance;
    this.#hooks[i] = this.#compiled!.registrations[i]!.hooks(instance);
  }

  #hookContext(i: number, ctx: PhaseContext): HookContext {
    return new NodeHookContext(ctx, this, this.#compiled!.registrations[i]!.token as Token);
  }

  // ---- stopping --------------------------------------------------------------------------

  /**
   * Stop everything that started, dependents before dependencies, under the global deadline.
   * Idempotent: every call returns the same report. Never throws for a node's failure.
   */
  shutdown(): Promise<ShutdownReport> {
    this.#shutdownPromise ??= this.#shutdown();
    return this.#shutdownPromise;
  }

  async #shutdown(): Promise<ShutdownReport> {
    const requestedAt = Date.now();
    const began = performance.now();
    this.#shutdownRequested.abort();
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      this.#compiled = this.#registry.compileOrEmpty();
      this.#started = new Uint8Array(this.#compiled!.graph.names.length);
      this.#observer.reset(this.#compiled!.graph.names);
      return this.#stopStarted(requestedAt, 0);
    }
    if (this.#state === 'starting') {
      this.#interrupt.abort();
      // Starts in progress see their signal abort, but a start may ignore it: the global deadline
      // bounds this wait too. Whatever finishes starting later is released by #releaseLate.
      const waited = await Promise.race([this.#startWalk!.then(() => true), sleepUnlessDone(this.options.shutdownTimeoutMs, this.#startWalk!)]);
      if (!waited) this.options.logger?.warn({ pending: this.pending() }, 'quiesce: starts still running at the global deadline');
    }
    this.#state = 'draining';
    this.#observer.draining();
    if (this.options.drainDelayMs > 0) await sleep(this.options.drainDelayMs);
    return this.#stopStarted(requestedAt, performance.now() - began);
  }

  async #stopStarted(requestedAt: number, elapsedMs: number): Promise<ShutdownReport> {
    const { graph } = this.#compiled!;
    const { stopTimeoutMs, reserveMs, anyReserve } = this.#limits();
    this.#state = 'stopping';
    const deadlineMs = this.options.shutdownTimeoutMs;
    const result = await walk({
      graph,
      direction: 'stop',
      haltOnFailure: false,
      include: (i) => this.#started[i] === 1,
      deadlineAt: performance.now() + deadlineMs - elapsedMs,
      // With no reserve anywhere every tail is 0: skip the pass (it was most of the time before the first stop).
      reserveMs: this.options.budget && anyReserve ? (i) => reserveMs[i]! : undefined,
      timeoutMs: (i) => stopTimeoutMs[i]!,
      run: (i, ctx) => this.#stopNode(i, ctx),
      onTransition: (node, status, at, error) => this.#transition('stop', node, status, at, error),
    });
    this.#state = 'stopped';
    return buildShutdownReport({
      graph,
      walk: result,
      policy: (i) => this.#policy(i),
      deadlineMs,
      startedAt: new Date(requestedAt),
      offsetMs: elapsedMs,
    });
  }

  /** Refuse new work, quiesce, wait for in-flight work, then stop: one sequence under one timeout. */
  #stopNode(i: number, ctx: PhaseContext): unknown {
    const hooks = this.#hooks[i];
    const token = this.#compiled!.registrations[i]!.token;
    const group = this.#inFlight.get(token);
    group?.close();
    // inversify's own @preDestroy/onDeactivation run here, after stop, in dependency order.
    const deactivation = hooks ? this.#registry.takeDeactivation(token, this.#instances[i]) : NO_STEPS;
    if (!hooks?.quiesce && !hooks?.stop && !group && deactivation.length === 0) return undefined;
    const hookCtx = this.#hookContext(i, ctx);
    // The common case, a stop hook alone, needs no step list: the hook's own answer is the node's.
    if (!hooks?.quiesce && !group && deactivation.length === 0) return hooks!.stop!(hookCtx);
    // Once the node's time is up no further step runs (its dependencies are stopping by then);
    // what is left to do happens in the hooks' own ctx.signal abort listeners (the force path).
    return runSteps(
      [
        () => hooks?.quiesce?.(hookCtx),
        () => (group && group.active > 0 ? group.drain(ctx.signal) : undefined),
        () => hooks?.stop?.(hookCtx),
        ...deactivation,
      ],
      0,
      ctx,
    );
  }

  // ---- observing -------------------------------------------------------------------------

  #transition(phase: 'start' | 'stop', node: number, status: 'running' | WalkStatus, at: number, error: unknown): void {
    if (phase === 'start' && status === 'done') this.#started[node] = 1;
    this.#observer.transition(phase, node, status, at, error);
  }

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

function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}

/** The node that failed first (by end time), or -1: what a StartError names. */
function firstFailure(result: WalkResult): number {
  // The common case, a clean start, needs no outcome records.
  if (result.counts.failed + result.counts.timedOut === 0) return -1;
  let first = -1;
  result.outcomes.forEach((o, i) => {
    if ((o.status === 'failed' || o.status === 'timedOut') && (first < 0 || o.endedAt < result.outcomes[first]!.endedAt)) first = i;
  });
  return first;
}
