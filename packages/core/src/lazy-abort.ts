/**
 * An abort flag whose AbortSignal is created only when someone reads `signal`. Most nodes and
 * most containers never read it, and creating and aborting an AbortController (its DOMException
 * reason included) is what made the first node of a shutdown begin late. Plain fields, not
 * #private: subclasses are allocated once per node and stay on V8's fast construction path.
 */
export class LazyAbort {
  controller: AbortController | undefined = undefined;
  abortReason: unknown = undefined;
  aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Idempotent: the first reason wins. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}
