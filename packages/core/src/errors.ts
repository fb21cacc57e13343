import type { ShutdownReport } from './report.js';

/** Base class of every error quiesce throws, so callers can catch them as one family. */
export class QuiesceError extends Error {
  override readonly name: string = 'QuiesceError';
}

/** The dependency graph has a cycle. `path` starts and ends at the same node. */
export class CycleError extends QuiesceError {
  override readonly name = 'CycleError';
  constructor(readonly path: readonly string[]) {
    super(`Dependency cycle: ${path.join(' → ')}`);
  }
}

/** A node depends on a token that nothing binds. */
export class MissingDependencyError extends QuiesceError {
  override readonly name = 'MissingDependencyError';
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
  constructor(readonly token: string) {
    super(`"${token}" is already registered; each token can be bound once`);
  }
}

export interface OptionIssue {
  readonly field: string;
  readonly message: string;
}

/** Options failed validation; `issues` name every offending field. */
export class InvalidOptionsError extends QuiesceError {
  override readonly name = 'InvalidOptionsError';
  constructor(
    readonly subject: string,
    readonly issues: readonly OptionIssue[],
  ) {
    super(`Invalid options for ${subject}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

/** Which limit cut a node short: its own timeout, the global deadline, or the budget reserved for nodes after it. */
export type TimeoutReason = 'own timeout' | 'global deadline' | 'budget';

/** A node did not finish its start or stop within its time budget. */
export class NodeTimeoutError extends QuiesceError {
  override readonly name = 'NodeTimeoutError';
  constructor(
    readonly node: string,
    readonly phase: 'start' | 'stop',
    readonly timeoutMs: number,
    readonly reason: TimeoutReason,
  ) {
    super(`${node}: ${phase} did not finish within ${Math.round(timeoutMs)} ms (${reason})`);
  }
}

/** `start()` failed: `node` is the first node whose start failed; what had started was stopped again. */
export class StartError extends QuiesceError {
  override readonly name = 'StartError';
  constructor(
    readonly node: string,
    override readonly cause: unknown,
    readonly rollback: ShutdownReport,
  ) {
    super(`Start failed at "${node}": ${describeError(cause)}; started nodes were stopped again (rollback ${rollback.ok ? 'ok' : 'had failures'})`);
  }
}

/** `start()` was interrupted by `shutdown()` (for example a SIGTERM during startup). */
export class StartAbortedError extends QuiesceError {
  override readonly name = 'StartAbortedError';
  constructor() {
    super('Start was interrupted by shutdown; only nodes that had started were stopped');
  }
}

/** Thrown by `ShutdownReport.throwIfFailed()`; carries the report with every node's outcome. */
export class ShutdownError extends QuiesceError {
  override readonly name = 'ShutdownError';
  constructor(readonly report: ShutdownReport) {
    const bad = report.nodes.filter((n) => n.status === 'failed' || n.status === 'timedOut');
    super(`Shutdown was not clean: ${bad.map((n) => `${n.name} ${n.status}`).join(', ') || 'global deadline passed'}`);
  }
}

/** New work was refused because its node is shutting down. */
export class ShuttingDownError extends QuiesceError {
  override readonly name = 'ShuttingDownError';
  constructor(readonly node: string) {
    super(`"${node}" is shutting down and accepts no new work`);
  }
}

/** The container was used in a way its current state does not allow (e.g. binding after start). */
export class LifecycleStateError extends QuiesceError {
  override readonly name = 'LifecycleStateError';
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
