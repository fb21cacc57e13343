import { abortState, signalOf, type AbortState } from './abort.js';
import type { Clock, ClockTimer } from './clock.js';

/**
 * What a start/quiesce/stop hook receives. `signal` aborts when the node's time is up (its own
 * timeout, the global deadline or its budget, whichever comes first); `deadline` is that moment
 * as epoch milliseconds, so a hook can pass the remaining time on to a driver.
 */
export interface PhaseContext {
  readonly name: string;
  readonly phase: 'start' | 'stop';
  readonly signal: AbortSignal;
  /** Epoch ms at which the scheduler stops waiting for this node (Infinity when unbounded). */
  readonly deadline: number;
  /** Whether `signal` has aborted, without creating the signal (cheap to poll). */
  readonly aborted: boolean;
}

/**
 * One node's run. The AbortController behind `signal` is created only when a hook reads it (see
 * abort.ts): most stops never do, and on a 100k-node graph the allocation was most of the
 * engine's cost. Plain fields, no base class: it is allocated once per node per walk.
 */
export class NodeRun implements PhaseContext, AbortState {
  controller: AbortController | undefined = undefined;
  abortReason: unknown = undefined;
  aborted = false;
  deadline = Infinity;
  /** Armed on the walk's clock; cleared with the same clock. */
  timer: ClockTimer = undefined;

  constructor(
    readonly name: string,
    readonly phase: 'start' | 'stop',
  ) {}

  /** A run whose time is up at `deadline` (epoch ms). */
  static until(name: string, phase: 'start' | 'stop', deadline: number): NodeRun {
    const run = new NodeRun(name, phase);
    run.deadline = deadline;
    return run;
  }

  get signal(): AbortSignal {
    return signalOf(this);
  }

  abort(reason: unknown): void {
    abortState(this, reason);
  }

  clearTimer(clock: Clock): void {
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
