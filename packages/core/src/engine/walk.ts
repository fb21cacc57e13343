import { EmptyRejectionError, InterruptedError, NodeOverrunError, NodeTimeoutError } from '../errors.js';
import { BUDGET_SLACK_MS, budgeted } from '../graph/budget.js';
import { deepestFirst, reserveTails } from '../graph/graph.js';
import { realClock, type Clock, type ClockTimer } from './clock.js';
import { NodeRun } from './node-run.js';
import { nodeRecords, walkResult, type NodeRecord } from './node-table.js';
import { isThenable } from './steps.js';
import { deadlineSkipReason, NodeSettlement, notifySafely, NOT_STARTED, OVERRUN_TOLERANCE_MS, type WalkOptions, type WalkResult, type WalkStatus } from './walk-types.js';

export { BUDGET_SLACK_MS };
export { NodeSettlement, NOT_STARTED, START_NOT_COMPLETED, type NodeOutcome, type WalkOptions, type WalkResult, type WalkStatus, type WalkTransition } from './walk-types.js';

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
  readonly #clock: Clock;
  readonly #nodes: NodeRecord[];
  /** Nodes whose hook is pending (asynchronous): what the deadline and a halt give up on. */
  readonly #runs = new Set<number>();
  readonly #tail: Float64Array | undefined;
  readonly #walkBegan: number;
  /** Converts the clock's now() to epoch ms for ctx.deadline without a wallNow() per node. */
  readonly #epochOffset: number;
  #ready: number[] = [];
  #pumping = false;
  /** The last synchronous settle's clock reading: the next node of the same pump begins then. */
  #lastNow = NaN;
  #open = 0;
  #halted = false;
  #haltedBy = 'shutdown';
  #deadlinePassed = false;
  #deadlineTimer: ClockTimer;
  #finished = false;
  #overrun: NodeOverrunError | undefined; // the last overrun: what delayed nodes the deadline then skipped

  constructor(o: WalkOptions) {
    this.#o = o;
    const clock = (this.#clock = o.clock ?? realClock);
    this.#walkBegan = clock.now();
    this.#epochOffset = clock.wallNow() - this.#walkBegan;
    this.promise = new Promise((resolve) => (this.#resolve = resolve));
    const { graph } = o;
    const n = graph.names.length;
    this.#names = graph.names;
    this.#before = o.direction === 'start' ? graph.deps : graph.dependents;
    this.#after = o.direction === 'start' ? graph.dependents : graph.deps;
    const nodes = (this.#nodes = nodeRecords(n));
    const include = o.include;
    for (let i = 0; i < n; i++) {
      if (include && !include(i)) {
        nodes[i]!.status = 'skipped';
        nodes[i]!.reason = o.direction === 'stop' ? NOT_STARTED : 'excluded';
      }
    }
    for (let i = 0; i < n; i++) {
      const node = nodes[i]!;
      if (node.status !== 'waiting') continue;
      this.#open++;
      const before = this.#before[i]!;
      for (let k = 0; k < before.length; k++) if (nodes[before[k]!]!.status === 'waiting') node.waitingOn++;
      if (node.waitingOn === 0) this.#ready.push(i);
    }
    // Critical path first when stopping (ARCHITECTURE.md); start walks keep declaration order.
    if (o.direction === 'stop' && this.#ready.length > 1) this.#ready = deepestFirst(this.#ready, graph.stopDepth);
    this.#tail = o.reserveMs && o.deadlineAt !== undefined ? reserveTails(graph, o.direction, (i) => budgeted(o.reserveMs!(i)), include ?? (() => true)) : undefined;
    if (o.deadlineAt !== undefined && this.#open > 0) {
      // Ref'd like the node timers (a hung stop in an idle process must still be reported); cleared in #finish.
      this.#deadlineTimer = clock.setTimeout(() => this.#onDeadline(), Math.max(0, o.deadlineAt - clock.now()));
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
    this.#lastNow = NaN;
    while (this.#ready.length > 0) {
      const batch = this.#ready;
      this.#ready = [];
      for (let k = 0; k < batch.length; k++) this.#begin(batch[k]!);
    }
    this.#pumping = false;
  }

  #begin(i: number): void {
    const node = this.#nodes[i]!;
    const now = Number.isNaN(this.#lastNow) ? this.#clock.now() : this.#lastNow;
    // The deadline may be over before its timer ran (a walk begun late, after a long interrupted startup).
    if (this.#o.deadlineAt !== undefined && now >= this.#o.deadlineAt) this.#deadlinePassed = true;
    if (this.#halted || this.#deadlinePassed) {
      node.reason = this.#deadlinePassed ? deadlineSkipReason(this.#overrun) : 'not begun: walk halted';
      return this.#settle(i, 'skipped');
    }
    node.status = 'running';
    node.beganAt = now;
    node.timeoutMs = node.allowedMs = this.#o.timeoutMs(i);
    this.#limitFor(node, i, now);
    const run = NodeRun.until(this.#names[i]!, this.#o.direction, this.#epochOffset + now + node.allowedMs);
    notifySafely(this.#o.onTransition, i, 'running', now);
    // An observer of 'running' may have interrupted the walk (a shutdown() from a listener).
    if (this.#halted) return (node.reason = 'not begun: walk halted'), this.#settle(i, 'skipped');
    // The hook's own time starts after the observers ran: their cost is quiesce's, not the hook's.
    if (this.#o.onTransition) node.beganAt = this.#clock.now();
    let result: unknown;
    try {
      result = this.#o.run(i, run);
    } catch (error) {
      return this.#settle(i, 'failed', error);
    }
    if (!isThenable(result)) return this.#settleWith(i, result);
    node.run = run;
    this.#runs.add(i);
    this.#lastNow = NaN;
    // Whichever comes first settles; a late answer from a timed-out hook is ignored by #settle.
    result.then(
      (value) => this.#settleWith(i, value),
      (error: unknown) => this.#settle(i, 'failed', error),
    );
    // A hook that interrupted its own walk (shutdown() inside a start hook) is given up like the rest.
    if (this.#halted && node.status === 'running') this.#giveUp(i, run, this.#haltedBy);
    else if (node.status === 'running') this.#armTimer(node, i, run);
  }

  /** The time a node gets: its own timeout, cut by the global deadline and, if budgeting, by the reserves after it. */
  #limitFor(node: NodeRecord, i: number, now: number): void {
    const { deadlineAt } = this.#o;
    if (deadlineAt === undefined) return;
    const tail = this.#tail ? this.#tail[i]! : 0;
    const cutAt = deadlineAt - tail;
    if (cutAt - now < node.timeoutMs) {
      node.allowedMs = Math.max(0, cutAt - now);
      node.limitedBy = tail > 0 ? 'budget' : 'global deadline';
    }
  }

  #armTimer(node: NodeRecord, i: number, run: NodeRun): void {
    const allowed = node.allowedMs;
    if (!Number.isFinite(allowed)) return;
    // Ref'd on purpose: a hung hook in an idle process must still time out and be reported.
    run.timer = this.#clock.setTimeout(() => {
      const error = new NodeTimeoutError(run.name, this.#o.direction, allowed, node.limitedBy, this.#o.deadlineMs);
      run.abort(error);
      this.#settle(i, 'timedOut', error);
    }, allowed);
  }

  /** A run's answer: done, unless it handed back a NodeSettlement. */
  #settleWith(i: number, value: unknown): void {
    if (!(value instanceof NodeSettlement)) return this.#settle(i, 'done');
    if (value.reason !== undefined) this.#nodes[i]!.reason = value.reason;
    this.#settle(i, value.status, value.error);
  }

  #settle(i: number, status: WalkStatus, error?: unknown): void {
    const node = this.#nodes[i]!;
    if ((node.status !== 'waiting' && node.status !== 'running') || this.#finished) return;
    const now = this.#clock.now();
    if (this.#pumping) this.#lastNow = now;
    if (status === 'done' && now - node.beganAt > node.allowedMs + OVERRUN_TOLERANCE_MS) {
      // Finished after its limit (it held the loop, its timer could not fire): never "stopped".
      status = 'timedOut';
      error = this.#overrun = new NodeOverrunError(this.#names[i]!, this.#o.direction, node.allowedMs, now - node.beganAt);
    } else if (status === 'failed' && (error === undefined || error === null)) {
      error = new EmptyRejectionError(this.#names[i]!, this.#o.direction, error);
    }
    node.status = status;
    node.endedAt = now;
    node.error = error;
    const run = node.run;
    if (run) {
      run.clearTimer(this.#clock);
      node.run = undefined;
      this.#runs.delete(i);
    }
    notifySafely(this.#o.onTransition, i, status, now, error);
    // Halting gives up on running siblings at once: a rollback must not wait for their timeouts.
    if ((status === 'failed' || status === 'timedOut') && this.#o.haltOnFailure && !this.#halted) this.#halt(`${this.#names[i]} failed`);
    const after = this.#after[i]!;
    for (let k = 0; k < after.length; k++) {
      const s = after[k]!;
      const next = this.#nodes[s]!;
      if (next.status !== 'waiting') continue;
      if (--next.waitingOn === 0) {
        next.gatedBy = i;
        this.#ready.push(s);
      }
    }
    if (--this.#open === 0) this.#finish();
    else this.#pump();
  }

  #onDeadline(): void {
    this.#deadlinePassed = true;
    for (const i of [...this.#runs]) {
      if (this.#finished) break;
      const node = this.#nodes[i]!;
      const run = node.run;
      if (!run) continue;
      const error = new NodeTimeoutError(run.name, this.#o.direction, node.allowedMs, 'global deadline', this.#o.deadlineMs);
      run.abort(error);
      node.limitedBy = 'global deadline';
      this.#settle(i, 'timedOut', error);
    }
  }

  /** Shutdown during start: running starts are given up on at once, so the walk ends now (the container handles late completions). */
  readonly #onInterrupt = (): void => this.#halt('shutdown');

  #halt(why: string): void {
    this.#halted = true;
    this.#haltedBy = why;
    for (const i of [...this.#runs]) {
      const run = this.#nodes[i]!.run;
      if (run && !this.#finished) this.#giveUp(i, run, why);
    }
  }

  #giveUp(i: number, run: NodeRun, why: string): void {
    const error = new InterruptedError(run.name, why);
    run.abort(error);
    this.#settle(i, 'failed', error);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#deadlineTimer !== undefined) this.#clock.clearTimeout(this.#deadlineTimer);
    this.#o.interrupt?.removeEventListener('abort', this.#onInterrupt);
    const times = { beganAt: this.#walkBegan, endedAt: this.#clock.now() };
    this.#resolve(walkResult(this.#nodes, this.#o.timeoutMs, times, this.#halted, this.#deadlinePassed));
  }
}
