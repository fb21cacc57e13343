import type { Clock } from '../engine/clock.js';

/**
 * Where each node's start is, independent of the walk that began it. A walk gives up on a start
 * (its timeout, a shutdown interrupting it) but the hook may still complete afterwards: the
 * resource is then running and must be stopped exactly once — by the stop walk if one is waiting
 * for it, else by a late release. This is the one record both consult.
 */
export const NOT_BEGUN = 0;
export const STARTING = 1;
export const STARTED = 2;
export const START_FAILED = 3;

export class StartTracker {
  readonly state: Uint8Array;
  readonly #waiters = new Map<number, () => void>();

  constructor(
    size: number,
    private readonly clock: Clock,
  ) {
    this.state = new Uint8Array(size);
  }

  /** Whether a stop walk must account for the node: its start completed or may still complete. */
  needsStop(i: number): boolean {
    return this.state[i] === STARTED || this.state[i] === STARTING;
  }

  /** Returns whether a stop walk was waiting for this start (it then stops the node itself). */
  settled(i: number, ok: boolean): boolean {
    this.state[i] = ok ? STARTED : START_FAILED;
    const waiter = this.#waiters.get(i);
    if (!waiter) return false;
    this.#waiters.delete(i);
    waiter();
    return true;
  }

  /**
   * Resolves when the start settles, `ms` passes or `signal` aborts, whichever is first (read
   * `state[i]` to tell). The timer is cleared either way: nothing of it outlives the wait.
   */
  waitFor(i: number, ms: number, signal: AbortSignal): Promise<void> {
    if (this.state[i] !== STARTING) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.clock.clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiters.delete(i);
        resolve();
      };
      const timer = this.clock.setTimeout(done, Math.max(0, ms));
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.set(i, done);
    });
  }
}
