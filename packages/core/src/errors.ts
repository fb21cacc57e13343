/**
 * Stable codes, Node's `ERR_*` habit: retry and alerting logic can branch on `err.code` without
 * matching messages or depending on `instanceof` across duplicated installs.
 */
export const ErrorCodes = {
  QuiesceError: 'QUIESCE_ERROR',
  CycleError: 'QUIESCE_CYCLE',
  MissingDependencyError: 'QUIESCE_MISSING_DEPENDENCY',
  DuplicateBindingError: 'QUIESCE_DUPLICATE_BINDING',
  InvalidOptionsError: 'QUIESCE_INVALID_OPTIONS',
  NodeTimeoutError: 'QUIESCE_NODE_TIMEOUT',
  NodeOverrunError: 'QUIESCE_NODE_OVERRUN',
  EmptyRejectionError: 'QUIESCE_EMPTY_REJECTION',
  InterruptedError: 'QUIESCE_INTERRUPTED',
  StartNotSettledError: 'QUIESCE_START_NOT_SETTLED',
  StartError: 'QUIESCE_START_FAILED',
  StartAbortedError: 'QUIESCE_START_ABORTED',
  ShutdownError: 'QUIESCE_SHUTDOWN_FAILED',
  ShuttingDownError: 'QUIESCE_SHUTTING_DOWN',
  LifecycleStateError: 'QUIESCE_LIFECYCLE_STATE',
  PlanDoesNotFitError: 'QUIESCE_PLAN_DOES_NOT_FIT',
  KubernetesUnsafeError: 'QUIESCE_KUBERNETES_UNSAFE',
  ReportWriteError: 'QUIESCE_REPORT_WRITE',
  ReportInputError: 'QUIESCE_REPORT_INPUT',
  CliUsageError: 'QUIESCE_CLI_USAGE',
  UndeclaredDependencyError: 'QUIESCE_UNDECLARED_DEPENDENCY',
  ProcessExitedError: 'QUIESCE_PROCESS_EXITED',
  NotResolvedYetError: 'QUIESCE_NOT_RESOLVED_YET',
  ContainerShutDownError: 'QUIESCE_CONTAINER_SHUT_DOWN',
  DecoratorSetupError: 'QUIESCE_DECORATOR_SETUP',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error quiesce throws, so callers can catch them as one family. */
export class QuiesceError extends Error {
  override readonly name: string = 'QuiesceError';
  /** Stable across versions: branch on this, not on the message. Adapters add their own `QUIESCE_*` codes. */
  readonly code: ErrorCode | (string & {}) = ErrorCodes.QuiesceError;
}

/** The dependency graph has a cycle. `path` starts and ends at the same node. */
export class CycleError extends QuiesceError {
  override readonly name = 'CycleError';
  override readonly code = ErrorCodes.CycleError;
  constructor(readonly path: readonly string[]) {
    super(`Dependency cycle: ${path.join(' → ')}`);
  }
}

/** A node depends on a token that nothing binds. */
export class MissingDependencyError extends QuiesceError {
  override readonly name = 'MissingDependencyError';
  override readonly code = ErrorCodes.MissingDependencyError;
  constructor(
    readonly token: string,
    readonly requiredBy: string,
  ) {
    super(`Missing dependency: "${requiredBy}" depends on "${token}", but nothing is bound to "${token}"`);
  }
}

/** Two registrations claim the same token. */
export class DuplicateBindingError extends QuiesceError {
  override readonly name = 'DuplicateBindingError';
  override readonly code = ErrorCodes.DuplicateBindingError;
  constructor(
    readonly token: string,
    /** How many bindings inversify holds for it, when the duplicate was found there. */
    readonly bindings?: number,
  ) {
    super(
      bindings === undefined
        ? `"${token}" is already registered; each token can be bound once`
        : `"${token}" is a lifecycle resource bound ${bindings} times in the inversify container; bind it once (remove the extra container.bind())`,
    );
  }
}

export interface OptionIssue {
  readonly field: string;
  readonly message: string;
}

/** Options failed validation; `issues` name every offending field. */
export class InvalidOptionsError extends QuiesceError {
  override readonly name = 'InvalidOptionsError';
  override readonly code = ErrorCodes.InvalidOptionsError;
  constructor(
    readonly subject: string,
    readonly issues: readonly OptionIssue[],
  ) {
    super(`Invalid options for ${subject}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

/** Which limit cut a node short: its own timeout, the global deadline, or the budget reserved for nodes after it. */
export type TimeoutReason = 'own timeout' | 'global deadline' | 'budget';
/** Every TimeoutReason, for schemas (the report's `limitedBy`). */
export const TIMEOUT_REASONS: readonly TimeoutReason[] = ['own timeout', 'global deadline', 'budget'];

/** A node did not finish its start or stop within its time budget. */
export class NodeTimeoutError extends QuiesceError {
  override readonly name = 'NodeTimeoutError';
  override readonly code = ErrorCodes.NodeTimeoutError;
  constructor(
    readonly node: string,
    readonly phase: 'start' | 'stop',
    /** The time the node was given (its own timeout, or what the deadline or budget left it). */
    readonly timeoutMs: number,
    readonly reason: TimeoutReason,
    /** With reason 'global deadline': the configured deadline, which is what the message quotes. */
    readonly deadlineMs?: number,
  ) {
    super(
      reason === 'global deadline' && deadlineMs !== undefined
        ? `${node}: ${phase} did not finish before the global deadline of ${deadlineMs} ms`
        : `${node}: ${phase} did not finish within ${Math.round(timeoutMs)} ms (${reason})`,
    );
  }
}

/**
 * The process ended (someone called `process.exit()`, a second signal, a second crash) while this
 * node's stop was still running: in the report written on the way out, its line says so.
 */
export class ProcessExitedError extends QuiesceError {
  override readonly name = 'ProcessExitedError';
  override readonly code = ErrorCodes.ProcessExitedError;
  constructor(
    readonly node: string,
    /** What ended the process: "process.exit(7) was called", "a second SIGINT". */
    readonly why: string,
  ) {
    super(`${node}: its stop was still running when ${why}; the process ended before it finished`);
  }
}

/**
 * A hook finished, but after its time was up: it blocked the event loop (a synchronous loop, say)
 * so its timer could not fire in time. It is reported `timedOut`, never `stopped`: whatever was
 * meant to run in that time (its siblings, the nodes after it) was delayed by it.
 */
export class NodeOverrunError extends QuiesceError {
  override readonly name = 'NodeOverrunError';
  override readonly code = ErrorCodes.NodeOverrunError;
  constructor(
    readonly node: string,
    readonly phase: 'start' | 'stop',
    readonly timeoutMs: number,
    readonly tookMs: number,
  ) {
    super(`${node}: ${phase} finished after ${Math.round(tookMs)} ms, over its limit of ${Math.round(timeoutMs)} ms (overran by ${Math.round(tookMs - timeoutMs)} ms; it blocked the event loop)`);
  }
  get overrunMs(): number {
    return this.tookMs - this.timeoutMs;
  }
}

/** A hook threw or rejected with `undefined`/`null`: the report still needs an error to show. */
export class EmptyRejectionError extends QuiesceError {
  override readonly name = 'EmptyRejectionError';
  override readonly code = ErrorCodes.EmptyRejectionError;
  constructor(
    readonly node: string,
    readonly phase: 'start' | 'stop',
    readonly value: unknown,
  ) {
    super(`${node}: ${phase} failed with ${String(value)} instead of an Error`);
  }
}

/** A running start was given up on because shutdown was requested. */
export class InterruptedError extends QuiesceError {
  override readonly name = 'InterruptedError';
  override readonly code = ErrorCodes.InterruptedError;
  constructor(
    readonly node: string,
    /** What ended the start walk: `shutdown`, or `<node> failed`. */
    readonly by = 'shutdown',
  ) {
    super(by === 'shutdown' ? `${node}: start interrupted by shutdown` : `${node}: start given up because ${by}`);
  }
}

/**
 * Shutdown interrupted a start that then neither completed nor failed in the time it could be
 * given (it ignores its abort signal). The nodes it depends on stop without waiting further; if the
 * start ever completes, the resource is stopped then (a late release, logged).
 */
export class StartNotSettledError extends QuiesceError {
  override readonly name = 'StartNotSettledError';
  override readonly code = ErrorCodes.StartNotSettledError;
  constructor(
    readonly node: string,
    readonly waitedMs: number,
  ) {
    super(`${node}: its start was still running ${Math.round(waitedMs)} ms after shutdown interrupted it (it ignores its abort signal); given up so the nodes it depends on keep their stop time, and stopped later if it ever completes`);
  }
}

/** `start()` was interrupted by `shutdown()` (for example a SIGTERM during startup). */
export class StartAbortedError extends QuiesceError {
  override readonly name = 'StartAbortedError';
  override readonly code = ErrorCodes.StartAbortedError;
  constructor() {
    super('Start was interrupted by shutdown; only nodes that had started were stopped');
  }
}

/** New work was refused because its node is shutting down. */
export class ShuttingDownError extends QuiesceError {
  override readonly name = 'ShuttingDownError';
  override readonly code = ErrorCodes.ShuttingDownError;
  constructor(readonly node: string) {
    super(`"${node}" is shutting down and accepts no new work`);
  }
}

/** The container was used in a way its current state does not allow (e.g. binding after start). */
export class LifecycleStateError extends QuiesceError {
  override readonly name = 'LifecycleStateError';
  override readonly code = ErrorCodes.LifecycleStateError;
}

/**
 * A factory resolved another resource it does not depend on: nothing guarantees that resource has
 * started (or will outlive this one), so it is refused by name instead of failing somewhere inside
 * inversify ("Unexpected asynchronous service").
 */
export class UndeclaredDependencyError extends QuiesceError {
  override readonly name = 'UndeclaredDependencyError';
  override readonly code = ErrorCodes.UndeclaredDependencyError;
  constructor(
    readonly node: string,
    readonly dependency: string,
  ) {
    super(`"${node}" resolves "${dependency}" in its create() but does not depend on it: add dependsOn: [${dependency}] so "${dependency}" starts before "${node}" and stops after it`);
  }
}

/** An error's message for another message: adapters describe a driver's cause with it. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return error === undefined ? 'no reason given' : String(error);
}
