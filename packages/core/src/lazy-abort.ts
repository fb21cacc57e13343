/**
 * An abort flag whose AbortSignal is created only when someone reads `signal`. Most nodes and
 * most containers never read it, and creating and aborting an AbortController (its DOMException
 * reason included) is what made the first node of a shutdown begin late.
 *
 * The logic lives in two functions over plain fields so that NodeRun can share it without
 * subclassing: a derived class cost ~25 ns per node on a 10k-node walk (measured), more than
 * the rest of a node's bookkeeping.
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
