import type { CompiledGraph } from './compile.js';
import { EmptyRejectionError, NodeTimeoutError, StartNotSettledError } from '../errors.js';
import { chainTails } from '../graph/graph.js';
import type { HookContext, LifecycleHooks } from './hooks.js';
import type { InFlight } from './in-flight.js';
import type { NodeLimits } from './node-limits.js';
import type { Logger } from './options.js';
import { onAbort } from '../engine/abort.js';
import { unrefTimer, type Clock } from '../engine/clock.js';
import { NodeRun, type PhaseContext } from '../engine/node-run.js';
import { NodeSettlement, START_NOT_COMPLETED } from '../engine/walk.js';
import { STARTING, START_FAILED, type StartTracker } from './start-tracker.js';
import { NO_STEPS, type Step } from '../engine/steps.js';
import { StopRecorder, stopSequence } from './stop-sequence.js';

/** What stopping a node needs from the container that started it. */
export interface StopContext {
  readonly clock: Clock;
  readonly compiled: CompiledGraph;
  readonly limits: NodeLimits;
  readonly hooks: readonly (LifecycleHooks | undefined)[];
  readonly instances: readonly unknown[];
  readonly starts: StartTracker;
  readonly shutdownTimeoutMs: number;
  readonly logger: Logger | undefined;
  hookContext(i: number, ctx: PhaseContext): HookContext;
  inFlight(token: unknown): InFlight | undefined;
  /** inversify's own @preDestroy/onDeactivation for the instance, taken once. */
  takeDeactivation(token: unknown, instance: unknown): readonly Step[];
}

/** How a late release ended; a stop walk that reaches the node reports the same. */
interface LateStop {
  readonly status: 'stopped' | 'failed' | 'timedOut';
  readonly error?: unknown;
}

/**
 * One late release: the stop sequence on its own run and timer. The timer can be tightened (a
 * shutdown began: the deadline bounds it, ref'd) and the release cut (the stop walk gave up on it).
 */
class LateRelease {
  readonly run: NodeRun;
  readonly outcome: Promise<LateStop>;
  #settle!: (stop: LateStop) => void;
  #done = false;

  constructor(
    private readonly clock: Clock,
    name: string,
    deadline: number,
    stop: (run: NodeRun) => unknown,
  ) {
    this.run = NodeRun.until(name, 'stop', deadline);
    this.outcome = new Promise<LateStop>((resolve) => (this.#settle = resolve)).finally(() => {
      this.#done = true;
      this.run.clearTimer(clock);
    });
    Promise.resolve()
      .then(() => stop(this.run))
      .then(
        () => this.#settle({ status: 'stopped' }),
        (error: unknown) => this.#settle({ status: 'failed', error: error ?? new EmptyRejectionError(name, 'stop', error) }),
      );
  }

  /** (Re)arm the timer: `ref` while a shutdown waits for it, unref'd otherwise. */
  arm(limitMs: number, error: () => unknown, ref: boolean): void {
    if (this.#done) return;
    this.run.clearTimer(this.clock);
    this.run.deadline = this.clock.wallNow() + Math.max(0, limitMs);
    this.run.timer = this.clock.setTimeout(() => this.cut(error()), Math.max(0, limitMs));
    if (!ref) unrefTimer(this.run.timer);
  }

  cut(error: unknown): void {
    this.run.abort(error);
    this.#settle({ status: 'timedOut', error });
  }
}

/**
 * Stops nodes exactly once. The stop walk calls `step(i)`; a start that completes after it was
 * given up on calls `releaseLate(i)`. A per-node claim makes whichever comes first the only stop;
 * the other joins it. Late releases during a shutdown are bounded by its deadline and noted in
 * its report; outside one, by the node's stop timeout on an unref'd timer, and logged.
 */
export class NodeStops {
  readonly #claimed: Uint8Array;
  /** Late releases, kept after they finish: a stop walk that reaches the node joins the outcome. */
  readonly #late = new Map<number, LateRelease>();
  readonly #notes = new Map<number, string>();
  /** What each node's stop did, part by part, for the report. */
  readonly recorder: StopRecorder;
  /** The running shutdown's global deadline (clock.now()); undefined outside a shutdown. */
  #deadlineAt: number | undefined;

  constructor(private readonly c: StopContext) {
    this.#claimed = new Uint8Array(c.compiled.graph.names.length);
    this.recorder = new StopRecorder(c.compiled.graph.names.length, c.clock);
  }

  /** A remark for the node's report line; a node's remarks are joined with "; ". */
  note(i: number, text: string): void {
    const before = this.#notes.get(i);
    this.#notes.set(i, before === undefined ? text : `${before}; ${text}`);
  }

  /** A shutdown's stop walk is about to run under this deadline. */
  begin(deadlineAt: number): void {
    this.#deadlineAt = deadlineAt;
    // Releases already running are bounded by this deadline from now on, and the shutdown waits for them.
    const { clock } = this.c;
    for (const [i, late] of this.#late) late.arm(Math.min(late.run.deadline - clock.wallNow(), deadlineAt - clock.now()), () => this.#deadlineError(i), true);
  }

  /**
   * The walk is over. Late releases that began during it are bounded by the deadline too: wait for
   * them, so the report says how they ended and no timer of theirs outlives the shutdown.
   * Returns the notes for the report.
   */
  async end(): Promise<ReadonlyMap<number, string>> {
    // A release may begin while others are awaited: wait until none is left unsettled.
    for (let seen = -1; seen !== this.#late.size; ) {
      seen = this.#late.size;
      await Promise.all([...this.#late.values()].map((late) => late.outcome));
    }
    this.#deadlineAt = undefined;
    return new Map(this.#notes);
  }

  /** The walk's step for one node: join a late release, wait for an interrupted start, or stop it. */
  step(i: number, ctx: PhaseContext): unknown {
    if (this.#late.has(i)) return this.#join(i, ctx);
    if (this.c.starts.state[i] === STARTING) return this.#afterStart(i, ctx);
    if (this.#claimed[i]) return undefined; // stopped already by this walk's own path: never twice
    this.#claimed[i] = 1;
    return this.#sequence(i, ctx);
  }

  /** The node was released late: report that release; when the walk cuts the node, cut the release too. */
  #join(i: number, ctx: PhaseContext): Promise<unknown> {
    const late = this.#late.get(i)!;
    onAbort(ctx.signal, () => late.cut(ctx.signal.reason));
    return late.outcome.then(settlementOf);
  }

  /**
   * A node whose start was given up on but is still running: wait for it to settle, only as long
   * as the chain of nodes it depends on can spare (their stop timeouts must still fit the
   * deadline), then stop it in order — or report why not.
   */
  #afterStart(i: number, ctx: PhaseContext): Promise<unknown> {
    const began = this.c.clock.now();
    const spare = this.#deadlineAt! - this.#stopChainBelow(i) - began;
    return this.c.starts.waitFor(i, spare, ctx.signal).then(() => {
      const waited = this.c.clock.now() - began;
      const state = this.c.starts.state[i];
      if (ctx.aborted) return undefined; // the walk already cut it; a late completion is released
      if (state === STARTING) return NodeSettlement.timedOut(new StartNotSettledError(this.#name(i), waited));
      if (state === START_FAILED) return NodeSettlement.skipped(START_NOT_COMPLETED);
      this.#notes.set(i, `its start had been given up on; waited ${Math.round(waited)} ms for the start to complete, then stopped it`);
      if (this.#late.has(i)) return this.#join(i, ctx);
      this.#claimed[i] = 1;
      return this.#sequence(i, ctx);
    });
  }

  /** The longest chain of stop timeouts below node i (its dependencies, theirs, …) that still need a stop. */
  #stopChainBelow(i: number): number {
    const { graph } = this.c.compiled;
    const { stopTimeoutMs } = this.c.limits;
    const tail = chainTails(graph, (k) => stopTimeoutMs[k]!, (k) => this.c.starts.needsStop(k));
    let below = 0;
    for (const d of graph.deps[i]!) below = Math.max(below, tail[d]!);
    return below;
  }

  /** Stop a node whose start completed only after it was given up on (see the class comment). */
  releaseLate(i: number): void {
    if (this.#claimed[i]) return;
    this.#claimed[i] = 1;
    const name = this.#name(i);
    const began = this.c.clock.now();
    const inShutdown = this.#deadlineAt !== undefined;
    const own = this.c.limits.stopTimeoutMs[i]!;
    const limitMs = inShutdown ? Math.max(0, Math.min(own, this.#deadlineAt! - began)) : own;
    this.#log('warn', { node: name }, `quiesce: ${name} finished starting after it was given up on; stopping it now`);
    const late = new LateRelease(this.c.clock, name, this.c.clock.wallNow() + limitMs, (run) => this.#sequence(i, run));
    late.arm(limitMs, () => (inShutdown && limitMs < own ? this.#deadlineError(i) : new NodeTimeoutError(name, 'stop', own, 'own timeout')), inShutdown);
    this.#late.set(i, late);
    void late.outcome.then((result) => {
      const note = `its start completed after it was given up on; released late: ${result.status} in ${Math.round(this.c.clock.now() - began)} ms`;
      this.#notes.set(i, note);
      this.#log(result.status === 'stopped' ? 'warn' : 'error', { node: name, err: result.error }, `quiesce: ${name} ${note}`);
    });
  }

  #deadlineError(i: number): NodeTimeoutError {
    return new NodeTimeoutError(this.#name(i), 'stop', this.c.shutdownTimeoutMs, 'global deadline', this.c.shutdownTimeoutMs);
  }

  /** A throwing logger must not lose a release or reject a shutdown. */
  #log(level: 'warn' | 'error', fields: object, message: string): void {
    try {
      this.c.logger?.[level](fields, message);
    } catch {} // the logger's own failure; the release goes on
  }

  /** Refuse new work, quiesce, wait for in-flight work, then stop: one sequence under one timeout. */
  #sequence(i: number, ctx: PhaseContext): unknown {
    const hooks = this.c.hooks[i];
    const token = this.c.compiled.registrations[i]!.token;
    return stopSequence(
      i,
      ctx,
      {
        hooks,
        group: this.c.inFlight(token),
        deactivation: hooks ? this.c.takeDeactivation(token, this.c.instances[i]) : NO_STEPS,
        hookContext: () => this.c.hookContext(i, ctx),
      },
      this.recorder,
    );
  }

  #name(i: number): string {
    return this.c.compiled.graph.names[i]!;
  }
}

function settlementOf(late: LateStop): unknown {
  if (late.status === 'failed') throw late.error;
  return late.status === 'timedOut' ? NodeSettlement.timedOut(late.error) : undefined;
}
