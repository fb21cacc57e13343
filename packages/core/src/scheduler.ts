import { NodeTimeoutError, type TimeoutReason } from './errors.js';
import type { LifecycleGraph } from './graph.js';
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

export interface WalkTransition {
  readonly node: number;
  readonly status: 'running' | WalkStatus;
  readonly at: number;
  readonly error?: unknown;
}

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
  readonly onTransition?: (t: WalkTransition) => void;
  /** Lets the caller interrupt a walk (shutdown during start): nothing new begins afterwards. */
  readonly interrupt?: AbortSignal;
}

export interface WalkResult {
  readonly outcomes: NodeOutcome[];
  readonly beganAt: number;
  readonly endedAt: number;
  readonly halted: boolean;
  readonly deadlinePassed: boolean;
}

const RUNNING = 1;
const SETTLED = 2;

/**
 * The scheduler: a dependency-ordered walk with settle counters (a WaitGroup per node, not a
 * Promise.all per layer). A node begins the moment its last predecessor settles, runs under its
 * own timer, and the walk resolves when every included node has settled.
 */
export function walk(options: WalkOptions): Promise<WalkResult> {
  return new Walk(options).promise;
}

class Walk {
  readonly promise: Promise<WalkResult>;
  #resolve!: (result: WalkResult) => void;
  readonly #o: WalkOptions;
  readonly #before: readonly (readonly number[])[];
  readonly #after: readonly (readonly number[])[];
  readonly #remaining: Int32Array;
  readonly #state: Uint8Array;
  readonly #runs: (NodeRun | undefined)[];
  readonly #outcomes: NodeOutcome[];
  readonly #tail: Float64Array | undefined;
  readonly #beganAt = performance.now();
  #ready: number[] = [];
  #pumping = false;
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
    const include = o.include ?? (() => true);
    this.#before = o.direction === 'start' ? graph.deps : graph.dependents;
    this.#after = o.direction === 'start' ? graph.dependents : graph.deps;
    this.#remaining = new Int32Array(n);
    this.#state = new Uint8Array(n);
    this.#runs = new Array(n);
    this.#outcomes = new Array(n);
    for (let i = 0; i < n; i++) {
      const timeoutMs = o.timeoutMs(i);
      this.#outcomes[i] = { status: 'skipped', beganAt: NaN, endedAt: NaN, timeoutMs, effectiveTimeoutMs: timeoutMs, limitedBy: 'own timeout', gatedBy: -1 };
      if (!include(i)) {
        this.#state[i] = SETTLED;
        this.#outcomes[i]!.reason = o.direction === 'stop' ? 'not started' : 'excluded';
      }
    }
    for (let i = 0; i < n; i++) {
      if (this.#state[i] === SETTLED) continue;
      this.#open++;
      let waiting = 0;
      for (const p of this.#before[i]!) if (this.#state[p] !== SETTLED) waiting++;
      this.#remaining[i] = waiting;
      if (waiting === 0) this.#ready.push(i);
    }
    this.#tail = o.reserveMs && o.deadlineAt !== undefined ? this.#reserveTails(include) : undefined;
    if (o.deadlineAt !== undefined && this.#open > 0) {
      // Ref'd for the same reason as node timers; cleared in #finish, so nothing outlives the walk.
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
    while (this.#ready.length > 0) {
      const batch = this.#ready;
      this.#ready = [];
      for (const i of batch) this.#begin(i);
    }
    this.#pumping = false;
  }

  #begin(i: number): void {
    const outcome = this.#outcomes[i]!;
    if (this.#halted || this.#deadlinePassed) {
      outcome.reason = this.#deadlinePassed ? 'global deadline passed before it could begin' : 'not begun: walk halted';
      return this.#settle(i, 'skipped');
    }
    const now = performance.now();
    const run = new NodeRun(this.#o.graph.names[i]!, this.#o.direction);
    this.#runs[i] = run;
    this.#state[i] = RUNNING;
    outcome.beganAt = now;
    this.#limit(i, now, outcome);
    run.deadline = Date.now() + outcome.effectiveTimeoutMs;
    this.#o.onTransition?.({ node: i, status: 'running', at: now });
    let result: unknown;
    try {
      result = this.#o.run(i, run);
    } catch (error) {
      return this.#settle(i, 'failed', error);
    }
    if (!isThenable(result)) return this.#settle(i, 'done');
    // Settle from whichever comes first; a late answer from a timed-out hook is ignored by #settle.
    result.then(
      () => this.#settle(i, 'done'),
      (error: unknown) => this.#settle(i, 'failed', error),
    );
    if (this.#state[i] === RUNNING) this.#armTimer(i, run, outcome);
  }

  /** The time a node gets: its own timeout, cut by the global deadline and, if budgeting, by the reserves after it. */
  #limit(i: number, now: number, outcome: NodeOutcome): void {
    const { deadlineAt } = this.#o;
    let allowed = outcome.timeoutMs;
    let limitedBy: TimeoutReason = 'own timeout';
    if (deadlineAt !== undefined) {
      if (this.#tail && deadlineAt - this.#tail[i]! - now < allowed) {
        allowed = Math.max(0, deadlineAt - this.#tail[i]! - now);
        limitedBy = this.#tail[i]! > 0 ? 'budget' : 'global deadline';
      } else if (deadlineAt - now < allowed) {
        allowed = Math.max(0, deadlineAt - now);
        limitedBy = 'global deadline';
      }
    }
    outcome.effectiveTimeoutMs = allowed;
    outcome.limitedBy = limitedBy;
  }

  #armTimer(i: number, run: NodeRun, outcome: NodeOutcome): void {
    if (!Number.isFinite(outcome.effectiveTimeoutMs)) return;
    run.timer = setTimeout(() => {
      const error = new NodeTimeoutError(run.name, this.#o.direction, outcome.effectiveTimeoutMs, outcome.limitedBy);
      run.abort(error);
      this.#settle(i, 'timedOut', error);
    }, outcome.effectiveTimeoutMs);
    // Deliberately ref'd: a hung hook in an otherwise idle process must still time out and be
    // reported, not let the process exit mid-shutdown. Cleared the moment the node settles.
  }

  #settle(i: number, status: WalkStatus, error?: unknown): void {
    if (this.#state[i] === SETTLED || this.#finished) return;
    this.#state[i] = SETTLED;
    const now = performance.now();
    const outcome = this.#outcomes[i]!;
    outcome.status = status;
    outcome.endedAt = now;
    if (error !== undefined) outcome.error = error;
    this.#runs[i]?.clearTimer();
    this.#runs[i] = undefined;
    this.#o.onTransition?.({ node: i, status, at: now, error });
    if ((status === 'failed' || status === 'timedOut') && this.#o.haltOnFailure) this.#halted = true;
    for (const s of this.#after[i]!) {
      if (this.#state[s] !== 0) continue;
      if (--this.#remaining[s] === 0) {
        this.#outcomes[s]!.gatedBy = i;
        this.#ready.push(s);
      }
    }
    if (--this.#open === 0) this.#finish();
    else this.#pump();
  }

  #onDeadline(): void {
    this.#deadlinePassed = true;
    for (let i = 0; i < this.#state.length && !this.#finished; i++) {
      if (this.#state[i] !== RUNNING) continue;
      const run = this.#runs[i]!;
      const error = new NodeTimeoutError(run.name, this.#o.direction, performance.now() - this.#outcomes[i]!.beganAt, 'global deadline');
      run.abort(error);
      this.#outcomes[i]!.limitedBy = 'global deadline';
      this.#settle(i, 'timedOut', error);
    }
  }

  readonly #onInterrupt = (): void => {
    this.#halted = true;
    // Abort hooks that are running so they can give up early; they still settle through the walk.
    for (const run of this.#runs) run?.abort(new Error('interrupted by shutdown'));
  };

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#o.interrupt?.removeEventListener('abort', this.#onInterrupt);
    this.#resolve({
      outcomes: this.#outcomes,
      beganAt: this.#beganAt,
      endedAt: performance.now(),
      halted: this.#halted,
      deadlinePassed: this.#deadlinePassed,
    });
  }
}
