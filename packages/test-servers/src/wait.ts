import { ServerError } from './errors.js';
import type { ManagedProcess } from './process.js';

/**
 * Polls `probe` until it succeeds. Fails fast when the server process exits
 * (a crash should not cost the whole timeout) and otherwise after `timeoutMs`.
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 50;
  while (true) {
    if (proc.hasExited) {
      throw new ServerError(proc.server, `${proc.describeExit()} before ${opts.what}`, proc.log);
    }
    // A probe can hang on whatever else holds the port; the server exiting ends the wait.
    if (await Promise.race([probe(), proc.exited.then(() => false)])) return;
    if (Date.now() >= deadline) {
      throw new ServerError(proc.server, `not ready after ${opts.timeoutMs} ms (waiting for ${opts.what})`, proc.log);
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, interval)), proc.exited]);
  }
}

/**
 * Retries a start when it failed because the port picked by getFreePort() was
 * taken in between (another worker, another test run). Only for picked ports:
 * an explicitly requested port that is busy is the caller's problem.
 */
export async function withPortRetry<T>(portWasPicked: boolean, attempt: () => Promise<T>): Promise<T> {
  const attempts = portWasPicked ? 3 : 1;
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const conflict = error instanceof ServerError && error.logLines.some((line) =>
        /address already in use|eaddrinuse|could not bind/i.test(line));
      if (!conflict || i >= attempts) throw error;
    }
  }
}
