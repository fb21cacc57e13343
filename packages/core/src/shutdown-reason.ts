/**
 * Why a shutdown happened, as every stop hook receives it (`ctx.reason`), the way Effect's
 * finalizers receive their `Exit`: a cache may skip a slow flush when the process crashed, a
 * consumer may nack instead of finishing when a signal asks for a quick exit, a log line can say
 * which it was. The first shutdown request's reason is the one kept.
 */
export type ShutdownReason =
  /** A termination signal (handleSignals): SIGTERM from Kubernetes or systemd, SIGINT from a terminal. */
  | { readonly kind: 'signal'; readonly signal: NodeJS.Signals }
  /** An uncaught exception or unhandled rejection (handleSignals with `crashes: true`). */
  | { readonly kind: 'crash'; readonly error: unknown }
  /** A node's start failed: what started is rolled back. */
  | { readonly kind: 'startFailed'; readonly node: string; readonly error: unknown }
  /** `app.shutdown()` called by the program (`detail` is what it passed, if anything). */
  | { readonly kind: 'requested'; readonly detail?: string };

const KINDS = new Set(['signal', 'crash', 'startFailed', 'requested']);

/** A reason given to `shutdown(reason)` from outside, or `requested` when none (or a malformed one) is given. */
export function shutdownReasonOf(input: unknown): ShutdownReason {
  if (typeof input === 'string') return { kind: 'requested', detail: input };
  const kind = (input as { kind?: unknown } | null | undefined)?.kind;
  return typeof kind === 'string' && KINDS.has(kind) ? (input as ShutdownReason) : { kind: 'requested' };
}
