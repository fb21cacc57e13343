import { ShuttingDownError } from '../errors.js';

/**
 * A WaitGroup for work in progress on one node. Code that uses a resource calls `track()` (or
 * `run(fn)`) around each unit of work; the node's stop first `close()`s the group, so new work is
 * refused with `ShuttingDownError`, then waits in `drain()` until the count reaches zero.
 */
export class InFlight {
  #active = 0;
  #closed = false;
  #waiters: Array<() => void> = [];

  constructor(readonly name: string) {}

  /** Units of work currently running. */
  get active(): number {
    return this.#active;
  }

  /** True once the node began stopping: `track()` throws from then on. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Count one unit of work; call the returned function when it is done (extra calls are ignored). */
  track(): () => void {
    if (this.#closed) throw new ShuttingDownError(this.name);
    this.#active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#active--;
      if (this.#active === 0) this.#wake();
    };
  }

  /** Run `fn` as one tracked unit of work. Rejects with ShuttingDownError once closed. */
  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    const done = this.track();
    try {
      return await fn();
    } finally {
      done();
    }
  }

  /** Refuse new work from now on. Idempotent. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Resolve `true` when no work is left, or `false` as soon as `signal` aborts (the node's timeout):
   * the caller decides what an unfinished drain means, the group never throws here.
   */
  drain(signal?: AbortSignal): Promise<boolean> {
    if (this.#active === 0) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        resolve(false);
      };
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      };
      this.#waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
