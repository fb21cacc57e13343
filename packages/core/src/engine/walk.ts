import { EmptyRejectionError, InterruptedError, NodeOverrunError, NodeTimeoutError } from '../errors.js';
import { BUDGET_SLACK_MS } from '../graph/budget.js';
import { deepestFirst, reserveTails } from '../graph/graph.js';
import { NodeRun } from './node-run.js';
import { NodeTable } from './node-table.js';
import { isThenable } from './steps.js';
import { LIMITS, Limit, NodeSettlement, NOT_STARTED, OVERRUN_TOLERANCE_MS, Status, STATUSES, type WalkOptions, type WalkResult, type WalkStatus } from './walk-types.js';

export { BUDGET_SLACK_MS };
export { NodeSettlement, NOT_STARTED, START_NOT_COMPLETED, type NodeOutcome, type WalkOptions, type WalkResult, type WalkStatus, type WalkTransition } from './walk-types.js';

const PENDING = 0;
const RUNNING = 1;
const SETTLED = 2;
const { done: DONE, failed: FAILED, timedOut: TIMED_OUT, skipped: SKIPPED } = Status;
const { globalDeadline: GLOBAL_DEADLINE, budget: BUDGET } = Limit;


/**
 * The scheduler: a dependency-ordered walk with settle counters (a WaitGroup per node, not a
 * Promise.all per layer). A node begins the moment its last predecessor settles, runs under its
 * own timer, and the walk resolves when every included node has settled (ARCHITECTURE.md).
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
  /** Per-node state (typed arrays over one buffer). */
  readonly #t: NodeTable;
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
    this.#t = new NodeTable(n);
    const include = o.include;
    for (let i = 0; i < n; i++) {
      if (include && !include(i)) {
        this.#t.state[i] = SETTLED;
        this.#t.reasons.set(i, o.direction === 'stop' ? NOT_STARTED : 'excluded');
      }
    }
    for (let i = 0; i < n; i++) {
      if (this.#t.state[i] === SETTLED) continue;
      this.#open++;
      let waiting = 0;
      const before = this.#before[i]!;
      for (let k = 0; k < before.length; k++) if (this.#t.state[before[k]!] !== SETTLED) waiting++;
      this.#t.remaining[i] = waiting;
      if (waiting === 0) this.#ready.push(i);
    }
    // Critical path first when stopping (ARCHITECTURE.md); start walks keep declaration order.
    if (o.direction === 'stop' && this.#ready.length > 1) this.#ready = deepestFirst(this.#ready, graph.stopDepth);
    this.#tail = o.reserveMs && o.deadlineAt !== undefined ? reserveTails(graph, o.direction, o.reserveMs, include ?? (() => true)) : undefined;
    if (o.deadlineAt !== undefined && this.#open > 0) {
      // Ref'd like the node timers (a hung stop in an idle process must still be reported); cleared in #finish.
      this.#deadlineTimer = setTimeout(() => this.#onDeadline(), Math.max(0, o.deadlineAt - performance.now()));
    }
    // An already-aborted signal never fires 'abort': a shutdown right after start() halts the walk here.
    if (o.interrupt?.aborted) this.#halted = true;
    else o.interrupt?.addEventListener('abort', this.#onInterrupt, { once: true });
    if (this.#open === 0) this.#finish();
    else this.#pump();
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
      this.#t.reasons.set(i, this.#deadlinePassed ? this.#deadlineSkipReason() : 'not begun: walk halted');
      return this.#settle(i, SKIPPED);
    }
    const run = new NodeRun(this.#names[i]!, this.#o.direction);
    this.#t.state[i] = RUNNING;
    this.#t.beganAt[i] = now;
    this.#t.timeout[i] = this.#t.allowed[i] = this.#o.timeoutMs(i);
    this.#limitFor(i, now);
    run.deadline = this.#epochOffset + now + this.#t.allowed[i]!;
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
    if (this.#t.state[i] === RUNNING) this.#armTimer(i, run);
  }

  /** The time a node gets: its own timeout, cut by the global deadline and, if budgeting, by the reserves after it. */
  #limitFor(i: number, now: number): void {
    const { deadlineAt } = this.#o;
    if (deadlineAt === undefined) return;
    const own = this.#t.timeout[i]!;
    const tail = this.#tail ? this.#tail[i]! : 0;
    const cutAt = tail > 0 ? deadlineAt - tail - BUDGET_SLACK_MS : deadlineAt;
    if (cutAt - now < own) {
      this.#t.allowed[i] = Math.max(0, cutAt - now);
      this.#t.limit[i] = tail > 0 ? BUDGET : GLOBAL_DEADLINE;
    }
  }

  #armTimer(i: number, run: NodeRun): void {
    const allowed = this.#t.allowed[i]!;
    if (!Number.isFinite(allowed)) return;
    // Ref'd on purpose: a hung hook in an idle process must still time out and be reported.
    run.timer = setTimeout(() => {
      const error = new NodeTimeoutError(run.name, this.#o.direction, allowed, LIMITS[this.#t.limit[i]!]!, this.#o.deadlineMs);
      run.abort(error);
      this.#settle(i, TIMED_OUT, error);
    }, allowed);
  }

  /** A throwing observer must not leave the walk half-updated (a node never settled hangs the shutdown). */
  #notify(node: number, status: 'running' | WalkStatus, at: number, error?: unknown): void {
    if (!this.#o.onTransition) return;
    try {
      this.#o.onTransition(node, status, at, error);
    } catch {} // observers report their own failures; the walk's bookkeeping comes first
  }

  /** A run's answer: done, unless it handed back a NodeSettlement. */
  #settleWith(i: number, value: unknown): void {
    if (!(value instanceof NodeSettlement)) return this.#settle(i, DONE);
    if (value.reason !== undefined) this.#t.reasons.set(i, value.reason);
    this.#settle(i, value.status === 'skipped' ? SKIPPED : TIMED_OUT, value.error);
  }

  /** status: DONE, FAILED, TIMED_OUT or SKIPPED. */
  #settle(i: number, status: number, error?: unknown): void {
    if (this.#t.state[i] === SETTLED || this.#finished) return;
    this.#t.state[i] = SETTLED;
    const now = performance.now();
    if (this.#pumping) this.#clock = now;
    if (status === DONE && now - this.#t.beganAt[i]! > this.#t.allowed[i]! + OVERRUN_TOLERANCE_MS) {
      // Finished, but only after its limit: its timer could not fire because it held the event
      // loop. Reporting it stopped would hide what delayed everything else.
      status = TIMED_OUT;
      error = this.#overrun = new NodeOverrunError(this.#names[i]!, this.#o.direction, this.#t.allowed[i]!, now - this.#t.beganAt[i]!);
    } else if (status === FAILED && (error === undefined || error === null)) {
      error = new EmptyRejectionError(this.#names[i]!, this.#o.direction, error);
    }
    this.#t.status[i] = status;
    this.#t.endedAt[i] = now;
    if (error !== undefined) this.#t.errors.set(i, error);
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
      if (this.#t.state[s] !== PENDING) continue;
      if (--this.#t.remaining[s] === 0) {
        this.#t.gatedBy[s] = i;
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
      const error = new NodeTimeoutError(run.name, this.#o.direction, this.#t.allowed[i]!, 'global deadline', this.#o.deadlineMs);
      run.abort(error);
      this.#t.limit[i] = GLOBAL_DEADLINE;
      this.#settle(i, TIMED_OUT, error);
    }
  }

  #deadlineSkipReason(): string {
    const base = 'global deadline passed before it could begin';
    return this.#overrun ? `${base} (delayed by ${this.#overrun.node}, which overran its limit by ${Math.round(this.#overrun.overrunMs)} ms)` : base;
  }

  /** Shutdown during start: running starts are given up on at once, so the walk ends now (the container handles late completions). */
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
    this.#resolve(this.#t.result(this.#o.timeoutMs, this.#walkBegan, this.#halted, this.#deadlinePassed));
  }
}
