import type { LifecycleEvents, NodeEvent, NodeEventType } from './events.js';
import { HealthBoard, type ContainerState, type HealthReport } from './health.js';
import type { Clock } from '../engine/clock.js';
import type { WalkStatus } from '../engine/walk.js';
import { REPORT_STATUS } from '../report/types.js';

/** A node still running when someone asks (second signal, deadline): who, in which phase, since when. */
export interface PendingNode {
  readonly name: string;
  /** `drain`: the drain delay itself (`name` is `(drain delay)`), before any node stops. */
  readonly phase: 'start' | 'stop' | 'drain';
  readonly forMs: number;
}

export interface StopSoFar {
  readonly began: Float64Array;
  readonly ended: Float64Array;
  readonly status: (WalkStatus | undefined)[];
  readonly error: unknown[];
}

// A stop's settled event uses the report's word for it (`stopped`, not the walk's `done`).
const SETTLED_TYPES: Readonly<Record<WalkStatus, NodeEventType>> = REPORT_STATUS;

/**
 * Everything the outside sees of the walks: per-node health for probes, which nodes are running
 * and since when (what a hung shutdown waits on), and the typed events. Fed one walk transition
 * at a time; events are built only when someone would see them.
 */
export class NodeObserver {
  readonly #health = new HealthBoard();
  #names: readonly string[] = [];
  /** clock.now() each node's hook began, NaN when not running. */
  #runningSince = new Float64Array(0);
  #drainSince = NaN;
  #runningPhase: 'start' | 'stop' = 'start';
  /** The stop walk so far (for a report written if the process ends before it finishes). */
  #stops: StopSoFar = { began: new Float64Array(0), ended: new Float64Array(0), status: [], error: [] };

  constructor(
    private readonly events: LifecycleEvents,
    /** The container's clock: the walks report their times on it. */
    private readonly clock: Clock,
  ) {}

  /** A new graph is about to be walked. */
  reset(names: readonly string[]): void {
    this.#names = names;
    this.#runningSince = new Float64Array(names.length).fill(NaN);
    this.#health.init(names);
    const n = names.length;
    this.#stops = { began: new Float64Array(n).fill(NaN), ended: new Float64Array(n).fill(NaN), status: new Array(n), error: new Array(n) };
  }

  /** Each node's stop so far: when it began and, if it settled, how (clock.now() times). */
  stopsSoFar(): StopSoFar {
    return this.#stops;
  }

  /** Shutdown was requested: readiness fails from now on, before any node stops. */
  draining(): void {
    this.#health.draining();
    this.#drainSince = this.clock.now();
  }

  /** The drain delay is over: the stop walk begins. */
  drained(): void {
    this.#drainSince = NaN;
  }

  transition(phase: 'start' | 'stop', i: number, status: 'running' | WalkStatus, at: number, error: unknown): void {
    const node = this.#names[i]!;
    if (phase === 'stop') this.#recordStop(i, status, at, error);
    if (status === 'running') {
      this.#runningSince[i] = at;
      this.#runningPhase = phase;
      this.#health.set(i, phase === 'start' ? 'starting' : 'stopping');
      const type = phase === 'start' ? 'starting' : 'stopping';
      if (this.events.observed(phase, type)) this.events.publish({ type, node, phase, at: this.clock.wallNow() });
      return;
    }
    const since = this.#runningSince[i]!;
    this.#runningSince[i] = NaN;
    const type: NodeEventType = phase === 'start' && status === 'done' ? 'started' : SETTLED_TYPES[status]!;
    this.#health.set(i, type === 'started' ? 'ready' : type === 'skipped' ? (phase === 'start' ? 'pending' : 'stopped') : type === 'stopped' ? 'stopped' : 'failed');
    if (!this.events.observed(phase, type)) return;
    const event: NodeEvent = {
      type,
      node,
      phase,
      at: this.clock.wallNow(),
      ...(!Number.isNaN(since) ? { durationMs: at - since } : {}),
      ...(error !== undefined ? { error } : {}),
    };
    this.events.publish(event);
  }

  #recordStop(i: number, status: 'running' | WalkStatus, at: number, error: unknown): void {
    if (status === 'running') {
      this.#stops.began[i] = at;
      return;
    }
    this.#stops.ended[i] = at;
    this.#stops.status[i] = status;
    this.#stops.error[i] = error;
  }

  /** Nodes whose hook is running right now, longest first. */
  pending(): PendingNode[] {
    const now = this.clock.now();
    const pending: PendingNode[] = [];
    // A shutdown still in its drain delay waits on that, not on a node: say so.
    if (!Number.isNaN(this.#drainSince)) pending.push({ name: '(drain delay)', phase: 'drain', forMs: Math.round(now - this.#drainSince) });
    this.#runningSince.forEach((since, i) => {
      if (!Number.isNaN(since)) pending.push({ name: this.#names[i]!, phase: this.#runningPhase, forMs: Math.round(now - since) });
    });
    return pending.sort((a, b) => b.forMs - a.forMs);
  }

  health(state: ContainerState): HealthReport {
    return this.#health.report(state);
  }
}
