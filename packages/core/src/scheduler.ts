import { NodeTimeoutError, type TimeoutReason } from './errors.js';
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

const PENDING = 0;
const RUNNING = 1;
const SETTLED = 2;
const STATUSES: readonly WalkStatus[] = ['done', 'failed', 'timedOut', 'skipped'];
const LIMITS: readonly TimeoutReason[] = ['own timeout', 'global deadline', 'budget'];

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
        this.#reasons.set(i, o.direction === 'stop' ? 'not started' : 'excluded');
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
    o.interrupt?.addEventListener('abort', this.#onInterrupt, { once: true });
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
      this.#reasons.set(i, this.#deadlinePassed ? 'global deadline passed before it could begin' : 'not begun: walk halted');
      return this.#settle(i, 3);
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
      return this.#settle(i, 1, error);
    }
    if (!isThenable(result)) return this.#settle(i, 0);
    this.#runs.set(i, run);
    this.#clock = NaN;
    // Settle from whichever comes first; a late answer from a timed-out hook is ignored by #settle.
    result.then(
      () => this.#settle(i, 0),
      (error: unknown) => this.#settle(i, 1, error),
    );
    if (this.#state[i] === RUNNING) this.#armTimer(i, run);
  }

  /** The time a node gets: its own timeout, cut by the global deadline and, if budgeting, by the reserves after it. */
  #limitFor(i: number, now: number): void {
    const { deadlineAt } = this.#o;
    if (deadlineAt === undefined) return;
    const own = this.#timeout[i]!;
    const tail = this.#tail ? this.#tail[i]! : 0;
    if (deadlineAt - tail - now < own) {
      this.#allowed[i] = Math.max(0, deadlineAt - tail - now);
      this.#limit[i] = tail > 0 ? 2 : 1;
    }
  }

  #armTimer(i: number, run: NodeRun): void {
    const allowed = this.#allowed[i]!;
    if (!Number.isFinite(allowed)) return;
    // Deliberately ref'd: a hung hook in an otherwise idle process must still time out and be
    // reported, not let the process exit mid-shutdown. Cleared the moment the node settles.
    run.timer = setTimeout(() => {
      const error = new NodeTimeoutError(run.name, this.#o.direction, allowed, LIMITS[this.#limit[i]!]!);
      run.abort(error);
      this.#settle(i, 2, error);
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

  /** status: 0 done, 1 failed, 2 timedOut, 3 skipped. */
  #settle(i: number, status: number, error?: unknown): void {
    if (this.#state[i] === SETTLED || this.#finished) return;
    this.#state[i] = SETTLED;
    const now = performance.now();
    if (this.#pumping) this.#clock = now;
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
    if ((status === 1 || status === 2) && this.#o.haltOnFailure) this.#halted = true;
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
      const error = new NodeTimeoutError(run.name, this.#o.direction, performance.now() - this.#beganAt[i]!, 'global deadline');
      run.abort(error);
      this.#limit[i] = 1;
      this.#settle(i, 2, error);
    }
  }

  readonly #onInterrupt = (): void => {
    this.#halted = true;
    // Abort hooks that are running so they can give up early; they still settle through the walk.
    for (const run of this.#runs.values()) run.abort(new Error('interrupted by shutdown'));
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
