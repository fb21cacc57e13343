import { EmptyRejectionError, InterruptedError, NodeOverrunError, NodeTimeoutError } from '../errors.js';
import { BUDGET_SLACK_MS, budgeted } from '../graph/budget.js';
import { deepestFirst, reserveTails } from '../graph/graph.js';
import { NodeRun } from './node-run.js';
import { NodeTable } from './node-table.js';
import { isThenable } from './steps.js';
import { deadlineSkipReason, LIMITS, Limit, NodeSettlement, notifySafely, NOT_STARTED, OVERRUN_TOLERANCE_MS, Status, STATUSES, type WalkOptions, type WalkResult, type WalkStatus } from './walk-types.js';

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
  readonly #wantsContext: boolean; // does `run` declare its ctx parameter?
  readonly #t: NodeTable;
  readonly #runs = new Map<number, NodeRun>();
  readonly #tail: Float64Array | undefined;
  readonly #walkBegan = performance.now();
  /** Converts performance.now() to epoch ms for ctx.deadline without a Date.now() per node. */
  readonly #epochOffset = Date.now() - performance.now();
  #ready: number[] = [];
  #pumping = false;
  /** The last synchronous settle's clock reading: the next node of the same pump begins then. */
  #clock = NaN;
  #open = 0;
  #halted = false;
  #haltedBy = 'shutdown';
  #deadlinePassed = false;
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #finished = false;
  #overrun: NodeOverrunError | undefined; // the last overrun: what delayed nodes the deadline then skipped

  constructor(o: WalkOptions) {
    this.#o = o;
    this.promise = new Promise((resolve) => (this.#resolve = resolve));
    const { graph } = o;
    const n = graph.names.length;
    this.#names = graph.names;
    this.#before = o.direction === 'start' ? graph.deps : graph.dependents;
    this.#after = o.direction === 'start' ? graph.dependents : graph.deps;
    this.#t = new NodeTable(n);
    this.#wantsContext = o.run.length >= 2;
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
    this.#tail = o.reserveMs && o.deadlineAt !== undefined ? reserveTails(graph, o.direction, (i) => budgeted(o.reserveMs!(i)), include ?? (() => true)) : undefined;
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
      this.#t.reasons.set(i, this.#deadlinePassed ? deadlineSkipReason(this.#overrun) : 'not begun: walk halted');
      return this.#settle(i, SKIPPED);
    }
    this.#t.state[i] = RUNNING;
    this.#t.beganAt[i] = now;
    this.#t.timeout[i] = this.#t.allowed[i] = this.#o.timeoutMs(i);
    this.#limitFor(i, now);
    // A run that declares no context parameter gets none until it turns asynchronous (ARCHITECTURE.md).
    let run = this.#wantsContext ? this.#runFor(i, now) : undefined;
    notifySafely(this.#o.onTransition, i, 'running', now);
    // An observer of 'running' may have interrupted the walk (a shutdown() from a listener).
    if (this.#halted) return this.#t.reasons.set(i, 'not begun: walk halted'), this.#settle(i, SKIPPED);
    // The hook's own time starts after the observers ran: their cost is quiesce's, not the hook's.
    if (this.#o.onTransition) this.#t.beganAt[i] = performance.now();
    let result: unknown;
    try {
      result = this.#o.run(i, run!);
    } catch (error) {
      return this.#settle(i, FAILED, error);
    }
    if (!isThenable(result)) return this.#settleWith(i, result);
    run ??= this.#runFor(i, now);
    this.#runs.set(i, run);
    this.#clock = NaN;
    // Whichever comes first settles; a late answer from a timed-out hook is ignored by #settle.
    result.then(
      (value) => this.#settleWith(i, value),
      (error: unknown) => this.#settle(i, FAILED, error),
    );
    // A hook that interrupted its own walk (shutdown() inside a start hook) is given up like the rest.
    if (this.#halted && this.#t.state[i] === RUNNING) this.#giveUp(i, run, this.#haltedBy);
    else if (this.#t.state[i] === RUNNING) this.#armTimer(i, run);
  }

  #runFor(i: number, began: number): NodeRun {
    return NodeRun.until(this.#names[i]!, this.#o.direction, this.#epochOffset + began + this.#t.allowed[i]!);
  }

  /** The time a node gets: its own timeout, cut by the global deadline and, if budgeting, by the reserves after it. */
  #limitFor(i: number, now: number): void {
    const { deadlineAt } = this.#o;
    if (deadlineAt === undefined) return;
    const own = this.#t.timeout[i]!;
    const tail = this.#tail ? this.#tail[i]! : 0;
    const cutAt = deadlineAt - tail;
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

  /** A run's answer: done, unless it handed back a NodeSettlement. */
  #settleWith(i: number, value: unknown): void {
    if (!(value instanceof NodeSettlement)) return this.#settle(i, DONE);
    if (value.reason !== undefined) this.#t.reasons.set(i, value.reason);
    this.#settle(i, value.status === 'skipped' ? SKIPPED : TIMED_OUT, value.error);
  }

  #settle(i: number, status: number, error?: unknown): void {
    if (this.#t.state[i] === SETTLED || this.#finished) return;
    this.#t.state[i] = SETTLED;
    const now = performance.now();
    if (this.#pumping) this.#clock = now;
    if (status === DONE && now - this.#t.beganAt[i]! > this.#t.allowed[i]! + OVERRUN_TOLERANCE_MS) {
      // Finished after its limit (it held the loop, its timer could not fire): never "stopped".
      status = TIMED_OUT;
      error = this.#overrun = new NodeOverrunError(this.#names[i]!, this.#o.direction, this.#t.allowed[i]!, now - this.#t.beganAt[i]!);
    } else if (status === FAILED && (error === undefined || error === null)) {
      error = new EmptyRejectionError(this.#names[i]!, this.#o.direction, error);
    }
    this.#t.status[i] = status;
    this.#t.endedAt[i] = now;
    if (error !== undefined) this.#t.errors.set(i, error);
    const run = this.#runs.size > 0 ? this.#runs.get(i) : undefined;
    if (run) {
      run.clearTimer();
      this.#runs.delete(i);
    }
    notifySafely(this.#o.onTransition, i, STATUSES[status]!, now, error);
    // Halting gives up on running siblings at once: a rollback must not wait for their timeouts.
    if ((status === FAILED || status === TIMED_OUT) && this.#o.haltOnFailure && !this.#halted) this.#halt(`${this.#names[i]} failed`);
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

  /** Shutdown during start: running starts are given up on at once, so the walk ends now (the container handles late completions). */
  readonly #onInterrupt = (): void => this.#halt('shutdown');

  #halt(why: string): void {
    this.#halted = true;
    this.#haltedBy = why;
    for (const [i, run] of [...this.#runs]) if (!this.#finished) this.#giveUp(i, run, why);
  }

  #giveUp(i: number, run: NodeRun, why: string): void {
    const error = new InterruptedError(run.name, why);
    run.abort(error);
    this.#settle(i, FAILED, error);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#o.interrupt?.removeEventListener('abort', this.#onInterrupt);
    this.#resolve(this.#t.result(this.#o.timeoutMs, this.#walkBegan, this.#halted, this.#deadlinePassed));
  }
}
