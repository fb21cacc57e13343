import { Container, type Newable } from 'inversify';
import type { CompiledGraph } from './compile.js';
import { getResourceOptions } from './decorators.js';
import { GraphExport } from './graph-export.js';
import { InvalidOptionsError, LifecycleStateError, StartAbortedError, StartError } from './errors.js';
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
import { BUDGET_SLACK_MS, walk, type WalkResult } from './scheduler.js';
import { longestStopChain } from './graph.js';
import { NodeStops } from './node-stops.js';
import { StartTracker, STARTING } from './start-tracker.js';
import { handleSignals, type SignalOptions } from './signals.js';
import { isThenable } from './steps.js';
import { LazyAbort } from './lazy-abort.js';
import type { NodeLimits } from './node-limits.js';
import { Registry } from './registry.js';
import { NodeHookContext } from './hook-context.js';
import { sleep } from './delay.js';
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
  #starts = new StartTracker(0);
  /** Stops each node exactly once: the stop walk's steps and late releases (see node-stops.ts). */
  #stops: NodeStops | undefined;
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
    this.#starts = new StartTracker(n);
    this.#stops = this.#nodeStops();
    this.#observer.reset(graph.names);
    this.#state = 'starting';
    // The first pump runs a microtask later, so a shutdown() from inside a synchronous start hook
    // already finds the start walk to interrupt.
    this.#startWalk = Promise.resolve().then(() => walk({
      graph,
      direction: 'start',
      haltOnFailure: true,
      interrupt: this.#interrupt.signal,
      timeoutMs: (i) => startTimeoutMs[i]!,
      run: (i, ctx) => this.#startNode(i, ctx),
      onTransition: (node, status, at, error) => this.#observer.transition('start', node, status, at, error),
    }));
    const result = await this.#startWalk;
    if (this.#shutdownPromise) {
      await this.#shutdownPromise;
      throw new StartAbortedError();
    }
    const failed = firstFailure(result);
    if (failed >= 0) {
      const report = await this.#beginShutdown(() => {
        this.#shutdownRequested.abort();
        this.#observer.draining();
        return this.#stopStarted(Date.now(), performance.now(), 0);
      });
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
    this.#starts.state[i] = STARTING;
    let result: unknown;
    try {
      const instance = this.#resolve(this.#compiled!.registrations[i]!);
      // No promise, context or closure for the common case: a sync instance without a start hook.
      result = isThenable(instance)
        ? Promise.resolve(instance).then((value) => {
            // Built after it was given up on: never call its start hook, but what was built is
            // running (a pool, a connection) and is released like any late start.
            if (ctx.aborted) return void this.#adopt(i, value);
            return this.#startHook(i, ctx, value);
          })
        : this.#startHook(i, ctx, instance);
    } catch (error) {
      this.#starts.settled(i, false);
      throw error;
    }
    if (!isThenable(result)) {
      this.#starts.settled(i, true);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        // A stop walk waiting for this start stops it in order; otherwise, if the start walk had
        // given up on it, nobody else will: release it now.
        if (!this.#starts.settled(i, true) && ctx.aborted) this.#stops!.releaseLate(i);
        return value;
      },
      (error: unknown) => {
        this.#starts.settled(i, false);
        throw error;
      },
    );
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

  #nodeStops(): NodeStops {
    return new NodeStops({
      compiled: this.#compiled!,
      limits: this.#limits(),
      hooks: this.#hooks,
      instances: this.#instances,
      starts: this.#starts,
      shutdownTimeoutMs: this.options.shutdownTimeoutMs,
      logger: this.options.logger,
      hookContext: (i, ctx) => this.#hookContext(i, ctx),
      inFlight: (token) => this.#inFlight.get(token),
      takeDeactivation: (token, instance) => this.#registry.takeDeactivation(token, instance),
    });
  }

  // ---- stopping --------------------------------------------------------------------------

  /**
   * Stop everything that started, dependents before dependencies, under the global deadline.
   * Idempotent: every call — concurrent, repeated, or made from inside the shutdown (a hook, an
   * event listener, an abort listener) — returns the same report. Never throws for a node's failure.
   */
  shutdown(): Promise<ShutdownReport> {
    return this.#shutdownPromise ?? this.#beginShutdown(() => this.#requestedShutdown());
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
    const requestedAt = Date.now();
    const began = performance.now();
    this.#shutdownRequested.abort();
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      this.#compiled = this.#registry.compileOrEmpty();
      this.#starts = new StartTracker(this.#compiled!.graph.names.length);
      this.#stops = this.#nodeStops();
      this.#observer.reset(this.#compiled!.graph.names);
      return this.#stopStarted(requestedAt, began, 0);
    }
    // Starts in progress are given up on at once (their signals abort); the stop walk below waits
    // for each of them only as long as the nodes it depends on can spare (see NodeStops).
    const interrupted = this.#state === 'starting';
    if (interrupted) this.#interrupt.abort();
    this.#state = 'draining';
    this.#observer.draining();
    // A start that never completed was never ready: no load balancer routes to it, nothing to drain.
    const drainMs = interrupted ? 0 : this.#drainFor(began);
    if (drainMs > 0) await sleep(drainMs);
    return this.#stopStarted(requestedAt, began, performance.now() - began);
  }

  /**
   * The drain delay, cut so that the nodes' reserved time still fits the deadline: a drain that
   * would eat into it is shortened (and said so), never allowed to push stops past the deadline.
   */
  #drainFor(began: number): number {
    const wanted = this.options.drainDelayMs;
    if (wanted === 0) return 0;
    const { graph } = this.#compiled!;
    const { reserveMs, anyReserve } = this.#limits();
    const reserved = this.options.budget && anyReserve ? longestStopChain(graph, (i) => reserveMs[i]!, (i) => this.#starts.needsStop(i)).total + BUDGET_SLACK_MS : 0;
    const allowed = Math.max(0, this.options.shutdownTimeoutMs - reserved - (performance.now() - began));
    if (wanted <= allowed) return wanted;
    this.options.logger?.warn({ drainDelayMs: wanted, cutToMs: allowed }, `quiesce: drain delay cut from ${wanted} ms to ${Math.round(allowed)} ms so the reserved stop time fits the deadline`);
    return allowed;
  }

  async #stopStarted(requestedAt: number, began: number, elapsedMs: number): Promise<ShutdownReport> {
    const { graph } = this.#compiled!;
    const { stopTimeoutMs, reserveMs, anyReserve } = this.#limits();
    this.#state = 'stopping';
    const deadlineMs = this.options.shutdownTimeoutMs;
    const deadlineAt = began + deadlineMs;
    const stops = this.#stops!;
    stops.begin(deadlineAt);
    const result = await walk({
      graph,
      direction: 'stop',
      haltOnFailure: false,
      include: (i) => this.#starts.needsStop(i),
      deadlineAt,
      deadlineMs,
      // With no reserve anywhere every tail is 0: skip the pass (it was most of the time before the first stop).
      reserveMs: this.options.budget && anyReserve ? (i) => reserveMs[i]! : undefined,
      timeoutMs: (i) => stopTimeoutMs[i]!,
      run: (i, ctx) => stops.step(i, ctx),
      onTransition: (node, status, at, error) => this.#observer.transition('stop', node, status, at, error),
    });
    const notes = await stops.end();
    this.#state = 'stopped';
    return buildShutdownReport({
      graph,
      walk: result,
      policy: (i) => this.#policy(i),
      deadlineMs,
      startedAt: new Date(requestedAt),
      offsetMs: elapsedMs,
      note: notes.size > 0 ? (i) => notes.get(i) : undefined,
    });
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
