/**
 * Run `fn` once when `signal` aborts (at once if it already has). Adapters register their force
 * path with it in `quiesce`: once a node's time is up no further hook of it runs, so this
 * listener is what closes sockets and channels then.
 */
export function onAbort(signal: AbortSignal, fn: () => void): void {
  if (signal.aborted) fn();
  else signal.addEventListener('abort', fn, { once: true });
}
