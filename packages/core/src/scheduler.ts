import { EmptyRejectionError, InterruptedError, NodeOverrunError, NodeTimeoutError, type TimeoutReason } from './errors.js';
import { deepestFirst, type LifecycleGraph } from './graph.js';
import { NodeRun, type PhaseContext } from './phase-context.js';
import { isThenable } from './steps.js';

/** What happened to one node in one walk. */
export type WalkStatus = 'done' | 'failed' | 'timedOut' | 'skipped';

export interface NodeOutcome {
  status: WalkStatus;
  /** performance.now() when its hook began / the node settled (NaN when it never began). */
  beganAt: number;
  endedAt: number;
  error?: unknown;
  /** Why it was skipped, or which limit cut it short. */
  reason?: string;
  /** The node's own timeout and the time it was actually given (after deadline and budget). */
  timeoutMs: number;
  effectiveTimeoutMs: number;
  limitedBy: TimeoutReason;
  /** The predecessor whose settling let this node begin (-1: none): the critical-path link. */
  gatedBy: number;
}

/**
 * A node began ('running') or settled, at `at` (performance.now()). Positional, not a record:
 * the walk calls it twice per node and allocating there showed up in the time before a
 * shutdown's first stop began.
 */
export type WalkTransition = (node: number, status: 'running' | WalkStatus, at: number, error?: unknown) => void;

export interface WalkOptions {
  readonly graph: LifecycleGraph;
  /** 'start' walks dependencies first; 'stop' walks dependents first. */
  readonly direction: 'start' | 'stop';
  /** Nodes outside the walk (not started, say) are reported 'skipped' and gate nothing. */
  readonly include?: (i: number) => boolean;
  readonly run: (i: number, ctx: PhaseContext) => unknown;
  readonly timeoutMs: (i: number) => number;
  /** Absolute performance.now() of the global deadline. */
  readonly deadlineAt?: number;
  /** The configured global deadline, quoted by the errors of nodes it cut. */
  readonly deadlineMs?: number;
  /** Per-node reserve: with it, a node is cut early enough for the nodes after it (budgeting). */
  readonly reserveMs?: (i: number) => number;
  /** Start walks halt on the first failure; stop walks always go on and collect errors. */
  readonly haltOnFailure: boolean;
  readonly onTransition?: WalkTransition;
  /** Lets the caller interrupt a walk (shutdown during start): nothing new begins afterwards. */
  readonly interrupt?: AbortSignal;
}

export interface WalkResult {
  /** One record per node; built on first access (the engine itself keeps typed arrays). */
  readonly outcomes: NodeOutcome[];
  /** One node's status and skip/limit reason, without building every outcome record. */
  statusOf(i: number): WalkStatus;
  reasonOf(i: number): string | undefined;
  /** How many nodes ended in each status. */
  readonly counts: Readonly<Record<WalkStatus, number>>;
  readonly beganAt: number;
  readonly endedAt: number;
  readonly halted: boolean;
  readonly deadlinePassed: boolean;
}

/** Skip reasons of nodes that had nothing to stop: they never started, or their start never completed. */
export const NOT_STARTED = 'not started';
export const START_NOT_COMPLETED = 'its start was interrupted and did not complete';

const PENDING = 0;
const RUNNING = 1;
const SETTLED = 2;
// A node's status in the walk's typed array, index-aligned with STATUSES.
const DONE = 0;
const FAILED = 1;
const TIMED_OUT = 2;
const SKIPPED = 3;
const STATUSES: readonly WalkStatus[] = ['done', 'failed', 'timedOut', 'skipped'];
const OWN_TIMEOUT = 0;
const GLOBAL_DEADLINE = 1;
const BUDGET = 2;
const LIMITS: readonly TimeoutReason[] = ['own timeout', 'global deadline', 'budget'];

/**
 * How much earlier than `deadline − reserves` a budget-limited node is cut. Timers fire late (a
 * few ms on an idle machine, more under load): without slack the node after it began its stop
 * 1–12 ms inside its reserve (measured), so the reserve was not really reserved.
 */
export const BUDGET_SLACK_MS = 25;

/**
 * A hook that answers later than its limit by more than this overran it (it kept the event loop
 * from running the timer). Below it is clock granularity, not a blocked loop.
 */
const OVERRUN_TOLERANCE_MS = 1;

/**
 * What a run may return (or resolve to) to settle its node as something other than done: a node
 * the caller decided to skip (an interrupted start that never completed: nothing to stop), or one
 * it cut itself.
 */
export class NodeSettlement {
  private constructor(
    readonly status: 'skipped' | 'timedOut',
    readonly reason: string | undefined,
    readonly error: unknown,
  ) {}
  static skipped(reason: string): NodeSettlement {
    return new NodeSettlement('skipped', reason, undefined);
  }
  static timedOut(error: unknown): NodeSettlement {
    return new NodeSettlement('timedOut', undefined, error);
  }
}

/**
 * The scheduler: a dependency-ordered walk with settle counters (a WaitGroup per node, not a
 * Promise.all per layer). A node begins the moment its last predecessor settles, runs under its
 * own timer, and the walk resolves when every included node has settled. Per-node state lives in
 * typed arrays, and a synchronous hook costs no promise, timer or clock read beyond one: the
 * engine's overhead on a 100k-node graph is mostly the walk itself.
 */
export function walk(options: WalkOptions): Promise<WalkResult> {
  return new Walk(options).promise;
}

class Walk {
  readonly promise: Promise<WalkResult>;
  #resolve!: (result: WalkResult) => void;
  readonly #o: WalkOptions;
  readonly #names: readonly string[];
  readonly #before: readonly (readonly number[])[];
  readonly #after: readonly (readonly number[])[];
  readonly #remaining: Int32Array;
  readonly #state: Uint8Array;
  readonly #status: Uint8Array;
  readonly #limit: Uint8Array;
  readonly #gatedBy: Int32Array;
  readonly #beganAt: Float64Array;
  readonly #endedAt: Float64Array;
  readonly #timeout: Float64Array;
  readonly #allowed: Float64Array;
  readonly #errors = new Map<number, unknown>();
  readonly #reasons = new Map<number, string>();
  readonly #runs = new Map<number, NodeRun>();
  readonly #tail: Float64Array | undefined;
  readonly #walkBegan = performance.now();
  /** Converts performance.now() to epoch ms for ctx.deadline without a Date.now() per node. */
  readonly #epochOffset = Date.now() - performance.now();
  #ready: number[] = [];
  #pumping = false;
  /** The clock reading of the last synchronous settle: the next node in the same pump begins then. */
  #clock = NaN;
  #open = 0;
  #halted = false;
  #deadlinePassed = false;
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #finished = false;
  /** The last node that overran its limit: what delayed the nodes the deadline then skipped. */
  #overrun: NodeOverrunError | undefined;

  constructor(o: WalkOptions) {
    this.#o = o;
    this.promise = new Promise((resolve) => (this.#resolve = resolve));
    const { graph } = o;
    const n = graph.names.length;
    this.#names = graph.names;
    this.#before = o.direction === 'start' ? graph.deps : graph.dependents;
    this.#after = o.direction === 'start' ? graph.dependents : graph.deps;
    // One buffer for all per-node state: a single off-heap allocation per walk instead of nine.
    // Each typed array of a 200-node graph is already off-heap, and the GC's external-memory
    // accounting for nine of them ran incremental-marking steps of up to ~4 ms right here, before
    // the first stop of a shutdown could begin. Widest element type first keeps every view aligned.
    const f64 = 8 * n;
    const i32 = 4 * n;
    const buffer = new ArrayBuffer(4 * f64 + 2 * i32 + 3 * n);
    this.#beganAt = new Float64Array(buffer, 0, n).fill(NaN);
    this.#endedAt = new Float64Array(buffer, f64, n).fill(NaN);
    // Timeouts are read when a node begins: the first node must not wait for every node's options.
    this.#timeout = new Float64Array(buffer, 2 * f64, n).fill(NaN);
    this.#allowed = new Float64Array(buffer, 3 * f64, n).fill(NaN);
    this.#remaining = new Int32Array(buffer, 4 * f64, n);
    this.#gatedBy = new Int32Array(buffer, 4 * f64 + i32, n).fill(-1);
    this.#state = new Uint8Array(buffer, 4 * f64 + 2 * i32, n);
    this.#status = new Uint8Array(buffer, 4 * f64 + 2 * i32 + n, n).fill(3);
    this.#limit = new Uint8Array(buffer, 4 * f64 + 2 * i32 + 2 * n, n);
    const include = o.include;
    for (let i = 0; i < n; i++) {
      if (include && !include(i)) {
        this.#state[i] = SETTLED;
        this.#reasons.set(i, o.direction === 'stop' ? NOT_STARTED : 'excluded');
      }
    }
    for (let i = 0; i < n; i++) {
      if (this.#state[i] === SETTLED) continue;
      this.#open++;
      let waiting = 0;
      const before = this.#before[i]!;
      for (let k = 0; k < before.length; k++) if (this.#state[before[k]!] !== SETTLED) waiting++;
      this.#remaining[i] = waiting;
      if (waiting === 0) this.#ready.push(i);
    }
    // Critical-path-first when stopping: of the nodes ready at once, those with the longest chain
    // of dependencies behind them begin first, so the cost of beginning a hundred roots does not
    // land on the chain that bounds the shutdown. (In the 200-node race the bounding root began
    // ~70th of ~100 in index order.) Start walks keep declaration order.
    if (o.direction === 'stop' && this.#ready.length > 1) this.#ready = deepestFirst(this.#ready, graph.stopDepth);
    this.#tail = o.reserveMs && o.deadlineAt !== undefined ? this.#reserveTails(include ?? (() => true)) : undefined;
    if (o.deadlineAt !== undefined && this.#open > 0) {
      // Ref'd like the node timers (a hung stop in an idle process must still be reported); cleared in #finish.
      this.#deadlineTimer = setTimeout(() => this.#onDeadline(), Math.max(0, o.deadlineAt - performance.now()));
    }
    // An interrupt before the walk began (shutdown right after start() was called) halts it at once:
    // an aborted signal never fires 'abort' again.
    if (o.interrupt?.aborted) this.#halted = true;
    else o.interrupt?.addEventListener('abort', this.#onInterrupt, { once: true });
    if (this.#open === 0) this.#finish();
    else this.#pump();
  }

  /** tail[i] = the longest chain of reserves among the nodes that still run after i. */
  #reserveTails(include: (i: number) => boolean): Float64Array {
    const { graph } = this.#o;
    const tail = new Float64Array(graph.names.length);
    // In walk order reversed, every successor is visited before the node itself.
    const order = this.#o.direction === 'stop' ? graph.order : [...graph.order].reverse();
    for (const i of order) {
      let best = 0;
      for (const s of this.#after[i]!) if (include(s)) best = Math.max(best, this.#o.reserveMs!(s) + tail[s]!);
      tail[i] = best;
    }
    return tail;
  }

  // A loop, not recursion: synchronous hooks settle inside it and only push onto the queue.
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    this.#clock = NaN;
    while (this.#ready.length > 0) {
      const batch = this.#ready;
      this.#ready = [];
      for (let k = 0; k < batch.length; k++) this.#begin(batch[k]!);
    }
    this.#pumping = false;
  }

  #begin(i: number): void {
    const now = Number.isNaN(this.#clock) ? performance.now() : this.#clock;
    // The deadline may be over before its timer ran (a walk begun late, after a long interrupted startup).
    if (this.#o.deadlineAt !== undefined && now >= this.#o.deadlineAt) this.#deadlinePassed = true;
    if (this.#halted || this.#deadlinePassed) {
      this.#reasons.set(i, this.#deadlinePassed ? this.#deadlineSkipReason() : 'not begun: walk halted');
      return this.#settle(i, SKIPPED);
    }
    const run = new NodeRun(this.#names[i]!, this.#o.direction);
    this.#state[i] = RUNNING;
    this.#beganAt[i] = now;
    this.#timeout[i] = this.#allowed[i] = this.#o.timeoutMs(i);
    this.#limitFor(i, now);
    run.deadline = this.#epochOffset + now + this.#allowed[i]!;
    this.#notify(i, 'running', now);
    let result: unknown;
    try {
      result = this.#o.run(i, run);
    } catch (error) {
      return this.#settle(i, FAILED, error);
    }
    if (!isThenable(result)) return this.#settleWith(i, result);
    this.#runs.set(i, run);
    this.#clock = NaN;
    // Settle from whichever comes first; a late answer from a timed-out hook is ignored by #settle.
    result.then(
      (value) => this.#settleWith(i, value),
      (error: unknown) => this.#settle(i, FAILED, error),
    );
    if (this.#state[i] === RUNNING) this.#armTimer(i, run);
  }

  /** The time a node gets: its own timeout, cut by the global deadline and, if budgeting, by the reserves after it. */
  #limitFor(i: number, now: number): void {
    const { deadlineAt } = this.#o;
    if (deadlineAt === undefined) return;
    const own = this.#timeout[i]!;
    const tail = this.#tail ? this.#tail[i]! : 0;
    const cutAt = tail > 0 ? deadlineAt - tail - BUDGET_SLACK_MS : deadlineAt;
    if (cutAt - now < own) {
      this.#allowed[i] = Math.max(0, cutAt - now);
      this.#limit[i] = tail > 0 ? BUDGET : GLOBAL_DEADLINE;
    }
  }

  #armTimer(i: number, run: NodeRun): void {
    const allowed = this.#allowed[i]!;
    if (!Number.isFinite(allowed)) return;
    // Deliberately ref'd: a hung hook in an otherwise idle process must still time out and be
    // reported, not let the process exit mid-shutdown. Cleared the moment the node settles.
    run.timer = setTimeout(() => {
      const error = new NodeTimeoutError(run.name, this.#o.direction, allowed, LIMITS[this.#limit[i]!]!, this.#o.deadlineMs);
      run.abort(error);
      this.#settle(i, TIMED_OUT, error);
    }, allowed);
  }

  /** A throwing observer must not leave the walk half-updated (a node never settled = a hung shutdown). */
  #notify(node: number, status: 'running' | WalkStatus, at: number, error?: unknown): void {
    if (!this.#o.onTransition) return;
    try {
      this.#o.onTransition(node, status, at, error);
    } catch {
      // Observers report their own failures; the walk's bookkeeping comes first.
    }
  }

  /** A run's answer: done, unless it handed back a NodeSettlement. */
  #settleWith(i: number, value: unknown): void {
    if (!(value instanceof NodeSettlement)) return this.#settle(i, DONE);
    if (value.reason !== undefined) this.#reasons.set(i, value.reason);
    this.#settle(i, value.status === 'skipped' ? SKIPPED : TIMED_OUT, value.error);
  }

  /** status: DONE, FAILED, TIMED_OUT or SKIPPED. */
  #settle(i: number, status: number, error?: unknown): void {
    if (this.#state[i] === SETTLED || this.#finished) return;
    this.#state[i] = SETTLED;
    const now = performance.now();
    if (this.#pumping) this.#clock = now;
    if (status === DONE && now - this.#beganAt[i]! > this.#allowed[i]! + OVERRUN_TOLERANCE_MS) {
      // Finished, but only after its limit: its timer could not fire because it held the event
      // loop. Reporting it stopped would hide what delayed everything else.
      status = TIMED_OUT;
      error = this.#overrun = new NodeOverrunError(this.#names[i]!, this.#o.direction, this.#allowed[i]!, now - this.#beganAt[i]!);
    } else if (status === FAILED && (error === undefined || error === null)) {
      error = new EmptyRejectionError(this.#names[i]!, this.#o.direction, error);
    }
    this.#status[i] = status;
    this.#endedAt[i] = now;
    if (error !== undefined) this.#errors.set(i, error);
    // Only asynchronous nodes are in #runs; most graphs settle mostly synchronous nodes.
    const run = this.#runs.size > 0 ? this.#runs.get(i) : undefined;
    if (run) {
      run.clearTimer();
      this.#runs.delete(i);
    }
    this.#notify(i, STATUSES[status]!, now, error);
    if ((status === FAILED || status === TIMED_OUT) && this.#o.haltOnFailure) this.#halted = true;
    const after = this.#after[i]!;
    for (let k = 0; k < after.length; k++) {
      const s = after[k]!;
      if (this.#state[s] !== PENDING) continue;
      if (--this.#remaining[s] === 0) {
        this.#gatedBy[s] = i;
        this.#ready.push(s);
      }
    }
    if (--this.#open === 0) this.#finish();
    else this.#pump();
  }

  #onDeadline(): void {
    this.#deadlinePassed = true;
    for (const [i, run] of [...this.#runs]) {
      if (this.#finished) break;
      const error = new NodeTimeoutError(run.name, this.#o.direction, this.#allowed[i]!, 'global deadline', this.#o.deadlineMs);
      run.abort(error);
      this.#limit[i] = GLOBAL_DEADLINE;
      this.#settle(i, TIMED_OUT, error);
    }
  }

  #deadlineSkipReason(): string {
    const base = 'global deadline passed before it could begin';
    return this.#overrun ? `${base} (delayed by ${this.#overrun.node}, which overran its limit by ${Math.round(this.#overrun.overrunMs)} ms)` : base;
  }

  /**
   * Shutdown during start: running starts are given up on at once (their signals abort, their
   * timers are cleared) so the walk ends now; the container decides what to do with a start that
   * completes afterwards. Waiting here would hold every started node's stop behind a start that
   * may ignore its signal.
   */
  readonly #onInterrupt = (): void => {
    this.#halted = true;
    for (const [i, run] of [...this.#runs]) {
      if (this.#finished) break;
      const error = new InterruptedError(run.name);
      run.abort(error);
      this.#settle(i, FAILED, error);
    }
  };

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#o.interrupt?.removeEventListener('abort', this.#onInterrupt);
    const counts: Record<WalkStatus, number> = { done: 0, failed: 0, timedOut: 0, skipped: 0 };
    for (let i = 0; i < this.#status.length; i++) counts[STATUSES[this.#status[i]!]!]++;
    let outcomes: NodeOutcome[] | undefined;
    const self = this;
    this.#resolve({
      get outcomes() {
        outcomes ??= self.#materialize();
        return outcomes;
      },
      statusOf: (i) => STATUSES[this.#status[i]!]!,
      reasonOf: (i) => this.#reasons.get(i),
      counts,
      beganAt: this.#walkBegan,
      endedAt: performance.now(),
      halted: this.#halted,
      deadlinePassed: this.#deadlinePassed,
    });
  }

  #materialize(): NodeOutcome[] {
    const out: NodeOutcome[] = new Array(this.#status.length);
    for (let i = 0; i < out.length; i++) {
      if (Number.isNaN(this.#timeout[i])) this.#timeout[i] = this.#allowed[i] = this.#o.timeoutMs(i);
      out[i] = {
        status: STATUSES[this.#status[i]!]!,
        beganAt: this.#beganAt[i]!,
        endedAt: this.#endedAt[i]!,
        timeoutMs: this.#timeout[i]!,
        effectiveTimeoutMs: this.#allowed[i]!,
        limitedBy: LIMITS[this.#limit[i]!]!,
        gatedBy: this.#gatedBy[i]!,
        ...(this.#errors.has(i) ? { error: this.#errors.get(i) } : {}),
        ...(this.#reasons.has(i) ? { reason: this.#reasons.get(i) } : {}),
      };
    }
    return out;
  }
}
