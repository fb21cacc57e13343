import { LazyAbort } from './lazy-abort.js';

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
 * LazyAbort): most stops never do, and on a 100k-node graph the allocation was most of the
 * engine's cost. The class is internal to the scheduler.
 */
export class NodeRun extends LazyAbort implements PhaseContext {
  deadline = Infinity;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    readonly name: string,
    readonly phase: 'start' | 'stop',
  ) {
    super();
  }

  clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
