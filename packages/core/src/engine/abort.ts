/**
 * An abort flag whose AbortSignal is created only when someone reads `signal` (most nodes never
 * do; see ARCHITECTURE.md, "Lazy abort"). Two functions over plain fields, so NodeRun shares the
 * logic without a base class.
 */
export interface AbortState {
  controller: AbortController | undefined;
  abortReason: unknown;
  aborted: boolean;
}

export function signalOf(state: AbortState): AbortSignal {
  if (!state.controller) {
    state.controller = new AbortController();
    if (state.aborted) state.controller.abort(state.abortReason);
  }
  return state.controller.signal;
}

/** Idempotent: the first reason wins. */
export function abortState(state: AbortState, reason: unknown): void {
  if (state.aborted) return;
  state.aborted = true;
  state.abortReason = reason;
  state.controller?.abort(reason);
}

export class LazyAbort implements AbortState {
  controller: AbortController | undefined = undefined;
  abortReason: unknown = undefined;
  aborted = false;

  get signal(): AbortSignal {
    return signalOf(this);
  }

  abort(reason?: unknown): void {
    abortState(this, reason);
  }
}

/**
 * Run `fn` once when `signal` aborts (at once if it already has). Adapters register their force
 * path with it in `quiesce`: once a node's time is up no further hook of it runs, so this
 * listener is what closes sockets and channels then.
 */
export function onAbort(signal: AbortSignal, fn: () => void): void {
  if (signal.aborted) fn();
  else signal.addEventListener('abort', fn, { once: true });
}
