import { Container, type Newable } from 'inversify';
import { InvalidOptionsError, LifecycleStateError, UndeclaredDependencyError } from '../errors.js';
import { GraphExport } from '../graph/export.js';
import { planShutdown, type ShutdownPlan } from '../graph/plan.js';
import { LifecycleEvents, type LifecycleEventMap } from '../process/events.js';
import { tokenName, type Token } from '../token.js';
import type { CompiledGraph } from './compile.js';
import { getResourceOptions } from './decorators.js';
import { HOOK_NAMES } from './hook-table.js';
import { InFlight } from './in-flight.js';
import { containerOptionsSchema, parseOptions, resourceOptionsSchema, type ContainerOptions, type ContainerOptionsInput, type ResourceOptions } from './options.js';
import { aliasRegistration, classRegistration, definitionRegistration, type Registration, type ResourceDefinition } from './registration.js';
import { Registry } from './registry.js';
import { notResolvedYet } from './usage-errors.js';

/**
 * The declaring half of a LifecycleContainer: what is bound (classes, plain-object resources,
 * values, aliases, modules), the in-flight counters, events, and the graph checks that run before
 * anything starts (validate, plan, graph). The lifecycle itself (start, shutdown) is the subclass.
 */
export abstract class ResourceDeclarations {
  /** The inversify container underneath: bind plain services on it as usual. */
  readonly container: Container;
  readonly options: ContainerOptions;
  readonly events: LifecycleEvents;
  /** @internal */
  protected readonly registry: Registry;
  /** @internal */
  protected readonly inFlights = new Map<unknown, InFlight>();

  constructor(options: ContainerOptionsInput = {}) {
    this.options = parseOptions(containerOptionsSchema, options, 'LifecycleContainer');
    this.container = (this.options.container as Container | undefined) ?? new Container();
    this.events = new LifecycleEvents(this.options.logger);
    this.registry = new Registry(this.container, this.options);
  }

  /** @internal Whether registrations are still accepted (only before start). */
  protected abstract canRegister(): boolean;

  /** Bind a class (singleton). With `@resource()` or `options` it is a lifecycle node; else a plain injectable. */
  bind(target: Newable, options?: ResourceOptions): this {
    // `{}` is the common "a resource with defaults" case: nothing to validate, skip zod.
    const own = options === undefined ? undefined : isEmpty(options) ? {} : parseOptions(resourceOptionsSchema, options, `bind(${tokenName(target)})`);
    const decorated = getResourceOptions(target);
    const merged = decorated && own ? { ...decorated, ...own } : (decorated ?? own);
    this.register(classRegistration(target, merged));
    this.container.bind(target).toSelf().inSingletonScope();
    return this;
  }

  /**
   * A resource from a plain object, for clients you do not own:
   * `app.resource('db', { create: () => new Pool(cfg), stop: (pool) => pool.end(), dependsOn: [Config] })`.
   */
  resource<T>(token: Token<T>, definition: ResourceDefinition<T>): this {
    const subject = `resource(${tokenName(token)})`;
    const { create, value, ...withHooks } = definition;
    // The hooks (the table's names) are the definition's own; the rest are the node's options.
    const rest: Record<string, unknown> = { ...withHooks };
    for (const name of HOOK_NAMES) delete rest[name];
    const options = parseOptions(resourceOptionsSchema, rest, subject);
    const issues = [];
    if ((create === undefined) === !('value' in definition)) issues.push({ field: 'create', message: 'give exactly one of `create` and `value`' });
    if (create !== undefined && typeof create !== 'function') issues.push({ field: 'create', message: 'expected a function' });
    for (const field of HOOK_NAMES) {
      const fn = definition[field];
      if (fn !== undefined && typeof fn !== 'function') issues.push({ field, message: 'expected a function' });
    }
    if (issues.length > 0) throw new InvalidOptionsError(subject, issues);
    this.register(definitionRegistration(token, definition, options));
    if (create) {
      this.container
        .bind(token)
        .toDynamicValue((ctx) => create({ get: (t) => (this.#checkDeclared(token, t), ctx.get(t)) }))
        .inSingletonScope();
    } else {
      this.container.bind(token).toConstantValue(value as T);
    }
    return this;
  }

  /** A plain value (configuration, say): injectable, never started or stopped. */
  value<T>(token: Token<T>, value: T): this {
    this.register({ token, kind: 'value', lifecycle: false, options: {}, dependencies: () => [], hooks: () => ({}) });
    this.container.bind(token).toConstantValue(value);
    return this;
  }

  /** Another token for the same instance (inversify `toService`); it is still started and stopped once. */
  alias<T>(token: Token<T>, target: Token<T>): this {
    this.register(aliasRegistration(token, target));
    this.container.bind(token).toService(target);
    return this;
  }

  /** Register a group of resources (an adapter's ready-made module, say). */
  load(...modules: readonly { register(app: ResourceDeclarations): void }[]): this {
    for (const module of modules) module.register(this);
    return this;
  }

  get<T>(token: Token<T>): T {
    try {
      return this.container.get<T>(token);
    } catch (error) {
      throw notResolvedYet(error, tokenName(token)) ?? error;
    }
  }

  /**
   * The in-flight work counter of a node (the WaitGroup). Its stop refuses new work, then waits
   * for this count to reach zero before calling `stop`.
   */
  inFlight(token: Token): InFlight {
    let group = this.inFlights.get(token);
    if (!group) {
      const registration = this.registry.find(token);
      if (!registration?.lifecycle) throw new LifecycleStateError(`inFlight(${tokenName(token)}): not a lifecycle resource`);
      group = new InFlight(registration.options.name ?? tokenName(token));
      this.inFlights.set(token, group);
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

  /** @internal */
  protected register(registration: Registration): void {
    if (!this.canRegister()) throw new LifecycleStateError(`cannot bind "${tokenName(registration.token)}" after start()`);
    this.registry.add(registration);
  }

  /** A factory may resolve only resources it depends on (directly or through others): those have started. */
  #checkDeclared(owner: unknown, target: unknown): void {
    const { graph, indexOf } = this.registry.compile();
    const from = indexOf.get(owner);
    const to = indexOf.get(target);
    if (from === undefined || to === undefined || from === to) return;
    const seen = new Set<number>();
    const stack = [from];
    while (stack.length > 0) {
      const i = stack.pop()!;
      for (const d of graph.deps[i]!) {
        if (d === to) return;
        if (!seen.has(d)) seen.add(d), stack.push(d);
      }
    }
    throw new UndeclaredDependencyError(graph.names[from]!, graph.names[to]!);
  }

  /** Build and check the graph (cycles, missing bindings, reserves the deadline cannot hold) without starting anything. */
  validate(): CompiledGraph {
    const compiled = this.registry.compile();
    this.#checkReserves(compiled);
    return compiled;
  }

  /**
   * A node that reserves more than the whole deadline can never get it: an error, not a plan
   * warning (a chain of reserves that together do not fit is the plan's to judge: strictPlan).
   */
  #checkReserves(compiled: CompiledGraph): void {
    const { reserveMs } = this.registry.limits(compiled);
    const { shutdownTimeoutMs } = this.options;
    compiled.registrations.forEach((_, i) => {
      const reserve = reserveMs[i]!;
      if (reserve <= shutdownTimeoutMs) return;
      throw new InvalidOptionsError(`resource "${compiled.graph.names[i]}"`, [
        { field: 'reserveMs', message: `${reserve} ms is longer than the container's shutdownTimeoutMs (${shutdownTimeoutMs} ms): the deadline can never keep it free; lower reserveMs or raise shutdownTimeoutMs` },
      ]);
    });
  }

  /** Worst-case shutdown time from the configured timeouts, and whether it fits the deadline. */
  plan(): ShutdownPlan {
    const compiled = this.validate();
    const { stopTimeoutMs, reserveMs } = this.registry.limits(compiled);
    return planShutdown(
      compiled.graph,
      // A node whose stop does nothing takes no time: charging it the default would be a false alarm.
      (i) => (this.mayStop(compiled, i) ? stopTimeoutMs[i]! : 0),
      (i) => reserveMs[i]!,
      this.options.drainDelayMs,
      this.options.shutdownTimeoutMs,
      this.options.terminationGracePeriodSeconds,
      this.#planWarnings(compiled, stopTimeoutMs),
    );
  }

  /** Each resource's own check of the settings (its `planWarning`), named after the node. */
  #planWarnings(compiled: CompiledGraph, stopTimeoutMs: Float64Array): string[] {
    const warnings: string[] = [];
    const { drainDelayMs, shutdownTimeoutMs } = this.options;
    compiled.registrations.forEach((registration, i) => {
      const warning = registration.options.planWarning?.({ drainDelayMs, shutdownTimeoutMs, stopTimeoutMs: stopTimeoutMs[i]! });
      if (warning) warnings.push(`${compiled.graph.names[i]}: ${warning}`);
    });
    return warnings;
  }

  /**
   * @internal Whether node i's stop may take time: a stop/quiesce/dispose hook, inversify's own
   * deactivation, or in-flight work to wait for. Known from declarations before start.
   */
  protected mayStop(compiled: CompiledGraph, i: number): boolean {
    const registration = compiled.registrations[i]!;
    return (registration.mayStop?.() ?? true) || this.registry.deactivates(registration.token) || this.inFlights.has(registration.token);
  }

  /** The dependency graph with each node's timeouts, as data, Mermaid or DOT. */
  graph(): GraphExport {
    const compiled = this.validate();
    const limits = this.registry.limits(compiled);
    return GraphExport.from(compiled.graph, (i) => ({
      startTimeoutMs: limits.startTimeoutMs[i]!,
      stopTimeoutMs: limits.stopTimeoutMs[i]!,
      reserveMs: limits.reserveMs[i]!,
      policy: compiled.registrations[i]!.options.policy ?? 'critical',
    }), this.plan().chain); // the plan's worst-case chain, with nodes that have nothing to stop at 0 ms
  }
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}
