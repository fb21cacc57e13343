import type { Clock } from '../engine/clock.js';
import type { PhaseContext } from '../engine/node-run.js';
import type { FailurePolicy } from '../report/report.js';
import type { Token } from '../token.js';
import type { CompiledGraph } from './compile.js';
import { NodeHookContext, type HookContext, type HookHost, type LifecycleHooks } from './hooks.js';
import type { InFlight } from './in-flight.js';
import type { NodeLimits } from './node-limits.js';
import { NodeWarnings } from './node-warnings.js';
import { NodeStops } from './node-stops.js';
import type { ContainerOptions } from './options.js';
import type { Registry } from './registry.js';
import { StartTracker } from './start-tracker.js';

/** What a running graph needs from its container. */
export interface RunHost extends HookHost {
  readonly options: ContainerOptions;
}

/**
 * The graph fixed at start (nothing can be registered afterwards) and what is known of each node
 * while it starts and stops: its instance and hooks, where its start is, and who stops it once.
 */
export class RunningGraph {
  readonly hooks: (LifecycleHooks | undefined)[];
  readonly instances: unknown[];
  readonly starts: StartTracker;
  readonly stops: NodeStops;
  /** What the nodes' hooks reported through `ctx.warn`, for the report. */
  readonly warnings = new NodeWarnings();
  /** The container's clock: every walk, timer and duration of this graph reads it. */
  readonly clock: Clock;
  readonly #owner = new Map<unknown, number>();

  constructor(
    readonly compiled: CompiledGraph,
    readonly limits: NodeLimits,
    private readonly host: RunHost,
    registry: Registry,
    /** In-flight counters created so far (a node without one has nothing to drain). */
    inFlights: ReadonlyMap<unknown, InFlight>,
  ) {
    const n = compiled.graph.names.length;
    this.hooks = new Array(n);
    this.instances = new Array(n);
    this.clock = host.options.clock;
    this.starts = new StartTracker(n, this.clock);
    this.stops = new NodeStops({
      clock: this.clock,
      compiled,
      limits,
      hooks: this.hooks,
      instances: this.instances,
      starts: this.starts,
      shutdownTimeoutMs: host.options.shutdownTimeoutMs,
      logger: host.options.logger,
      hookContext: (i, ctx) => this.hookContext(i, ctx),
      inFlight: (token) => inFlights.get(token),
      takeDeactivation: (token, instance) => registry.takeDeactivation(token, instance),
    });
  }

  policy(i: number): FailurePolicy {
    return this.compiled.registrations[i]!.options.policy ?? 'critical';
  }

  /**
   * Remember the node's hooks, unless another node already holds this very instance: it is
   * started and stopped once, by that node, and this node's report says so.
   */
  adopt(i: number, instance: unknown): void {
    const owner = this.#owner.get(instance);
    if (owner !== undefined && typeof instance === 'object') {
      this.stops.note(i, `the same instance as ${this.compiled.graph.names[owner]}: started and stopped once, by that node`);
      return;
    }
    this.#owner.set(instance, i);
    this.instances[i] = instance;
    this.hooks[i] = this.compiled.registrations[i]!.hooks(instance);
  }

  hookContext(i: number, ctx: PhaseContext): HookContext {
    return new NodeHookContext(
      ctx,
      this.host,
      this.compiled.registrations[i]!.token as Token,
      (code, message) => this.warnings.add(i, code, message),
      (text) => this.stops.note(i, text),
    );
  }
}
