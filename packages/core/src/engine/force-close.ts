import { realClock, type Clock } from './clock.js';

/**
 * The force path of a pool whose busy connections may hold work on the server, shared by the SQL
 * adapters: leave nothing open on either side of the wire by `deadline` (epoch ms). Destroying a
 * socket alone is not enough — a backend busy in a query (a sleep, a lock wait) does not notice
 * its client left and runs on, holding its locks — so, of the time left when it begins:
 *  1. `killBusy` ends the busy work server-side over a second connection, within two thirds of
 *     the share before `settleShare` (half the time left with the default quarter); a frozen
 *     server accepts the TCP connection and never answers;
 *  2. the sockets get the rest of that share to close on their own;
 *  3. whatever is still open is destroyed; the last `settleShare` is left for what follows
 *     (callers see their errors and release, the drain ends, stop reports the force) before the
 *     deadline — and for an event loop that runs its timers late: right after the kill the
 *     server's exiting backends compete for the CPU (measured: timers ~200 ms late after
 *     terminating 40 backends on a loaded 2-core machine), so adapters keep more than a quarter.
 * Once `signal` has aborted (the node's time is up) nothing waits on a timer any more: every socket
 * is destroyed at once — synchronously, also when the force path only begins after the abort — so
 * the path has done all it can by the time the node is reported. Resolves to what `killBusy`
 * confirmed.
 */
export async function forceCloseConnections(options: {
  readonly deadline: number;
  readonly signal: AbortSignal;
  /** Destroy every socket still open. */
  readonly destroyOpen: () => void;
  /** Resolves once no connection is open. */
  readonly closed: () => Promise<void>;
  /** Ends busy work on the server within `budgetMs`; resolves to how many it confirmed. Omit when nothing is busy. */
  readonly killBusy?: (budgetMs: number, signal: AbortSignal) => Promise<number>;
  /** The share of the time left kept free after the destroy (0 < share < 1; default 1/4). */
  readonly settleShare?: number;
  /** The container's clock, when it is not the real one (tests); `deadline` is on its wallNow(). */
  readonly clock?: Clock;
}): Promise<number> {
  const { deadline, signal, destroyOpen, closed, killBusy, clock = realClock } = options;
  const settleShare = Math.min(0.9, Math.max(0, options.settleShare ?? 0.25));
  // Begun at (or after) the node's cut, or with no time to give: an 'abort' listener would never
  // fire, and a timer would fire after the node was reported. Destroy now.
  if (signal.aborted || !Number.isFinite(deadline) || deadline <= clock.wallNow()) {
    destroyOpen();
    await closed();
    return 0;
  }
  signal.addEventListener('abort', destroyOpen, { once: true });
  try {
    const reserve = deadline - clock.wallNow();
    const killed = killBusy ? await killBusy(((1 - settleShare) * reserve * 2) / 3, signal) : 0;
    // The kill may come back after its window (a starved loop runs the cut late): then no timer,
    // not even a zero-length one, stands between it and the destroy.
    const closeWithin = deadline - settleShare * reserve - clock.wallNow();
    if (!signal.aborted && closeWithin > 0) await Promise.race([closed(), abortableSleep(closeWithin, signal, clock)]);
    destroyOpen();
    await closed(); // destroyed sockets close within the loop iteration
    return killed;
  } finally {
    signal.removeEventListener('abort', destroyOpen);
  }
}

/**
 * Runs `work` (an admin connection's round trips) and calls `cut` (destroy that connection) at
 * `budgetMs`, when `signal` aborts, or when `work` settles, whichever comes first: the admin
 * connection never outlives its budget, even against a server that never answers. Cut first, it
 * rejects then, without waiting for `work`: a driver may never call back the queries queued on a
 * destroyed socket (mysql2 under load: the force path then hung until the node's deadline). With
 * `signal` already aborted `work` never starts (it rejects with the signal's reason).
 */
export function withinBudget<T>(budgetMs: number, signal: AbortSignal, cut: () => void, work: () => Promise<T>, clock: Clock = realClock): Promise<T> {
  if (signal.aborted) {
    cut();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const cutNow = atOrOnAbort(budgetMs, signal, clock, () => {
      cut();
      reject(new Error(`cut after ${Math.round(budgetMs)} ms`));
    });
    work().then(
      (value) => {
        resolve(value);
        cutNow();
      },
      (error: unknown) => {
        reject(error);
        cutNow();
      },
    );
  });
}

function abortableSleep(ms: number, signal: AbortSignal, clock: Clock): Promise<void> {
  return new Promise((resolve) => atOrOnAbort(ms, signal, clock, resolve));
}

/**
 * Calls `fn` after `ms` or when `signal` aborts (at once when it already has: its 'abort' event
 * will not come again); returns a function that calls it now. Each call disarms both.
 */
function atOrOnAbort(ms: number, signal: AbortSignal, clock: Clock, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return fn;
  }
  const now = (): void => {
    clock.clearTimeout(timer);
    signal.removeEventListener('abort', now);
    fn();
  };
  // The real clock clamps what setTimeout cannot hold (Infinity, > 2^31 − 1 would become 1 ms).
  const timer = clock.setTimeout(now, ms);
  signal.addEventListener('abort', now, { once: true });
  return now;
}
