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
 * One node's run. The AbortController is created only when a hook reads `signal`: most stops
 * never do, and on a 100k-node graph the allocation is most of the engine's cost. Plain fields
 * (not #private) keep construction on V8's fast path; the class is internal to the scheduler.
 */
export class NodeRun implements PhaseContext {
  controller: AbortController | undefined = undefined;
  abortReason: unknown = undefined;
  aborted = false;
  deadline = Infinity;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    readonly name: string,
    readonly phase: 'start' | 'stop',
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
