/**
 * The force path of a pool whose busy connections may hold work on the server, shared by the SQL
 * adapters: leave nothing open on either side of the wire by `deadline` (epoch ms). Destroying a
 * socket alone is not enough — a backend busy in a query (a sleep, a lock wait) does not notice
 * its client left and runs on, holding its locks — so:
 *  1. `killBusy` ends the busy work server-side over a second connection, within half the time
 *     left (a frozen server accepts the TCP connection and never answers);
 *  2. the sockets get a quarter of the rest to close on their own;
 *  3. whatever is still open is destroyed; the last quarter is left for what follows (callers see
 *     their errors and release, the drain ends, stop reports the force) before the deadline.
 * `signal` aborting (the node's time is up) destroys at once. Resolves to what `killBusy` confirmed.
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
}): Promise<number> {
  const { deadline, signal, destroyOpen, closed, killBusy } = options;
  signal.addEventListener('abort', destroyOpen, { once: true });
  try {
    const reserve = Math.max(0, deadline - Date.now());
    const killed = killBusy && reserve > 0 ? await killBusy(reserve / 2, signal) : 0;
    await Promise.race([closed(), abortableSleep(Math.max(0, deadline - reserve / 4 - Date.now()), signal)]);
    destroyOpen();
    await closed(); // destroyed sockets close within a tick
    return killed;
  } finally {
    signal.removeEventListener('abort', destroyOpen);
  }
}

/**
 * Runs `work` (an admin connection's round trips) and calls `cut` (destroy that connection) at
 * `budgetMs`, when `signal` aborts, or when `work` settles, whichever comes first: the admin
 * connection never outlives its budget, even against a server that never answers.
 */
export async function withinBudget<T>(budgetMs: number, signal: AbortSignal, cut: () => void, work: () => Promise<T>): Promise<T> {
  const cutNow = atOrOnAbort(budgetMs, signal, cut);
  try {
    return await work();
  } finally {
    cutNow();
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => atOrOnAbort(ms, signal, resolve));
}

/** Calls `fn` after `ms` or when `signal` aborts; returns a function that calls it now. Each call disarms both. */
function atOrOnAbort(ms: number, signal: AbortSignal, fn: () => void): () => void {
  const now = (): void => {
    clearTimeout(timer);
    signal.removeEventListener('abort', now);
    fn();
  };
  const timer = setTimeout(now, ms);
  signal.addEventListener('abort', now, { once: true });
  return now;
}
