import type { TimeoutReason } from '../errors.js';
import type { WalkStatus } from '../engine/walk-types.js';
import type { StopPhase } from './phases.js';

export type { StopPhase };

// The report as data: what the report, its renderers and the JSON schema share.

/**
 * The one table from the engine's status words to the report's (and the settled events'): a walk
 * says `done` for any direction; a stop report says `stopped`. Every other word is the same.
 */
export const REPORT_STATUS = { done: 'stopped', failed: 'failed', timedOut: 'timedOut', skipped: 'skipped' } as const satisfies Record<WalkStatus, string>;

export type NodeStatus = (typeof REPORT_STATUS)[WalkStatus];

/** `critical` (default): a failure makes the report not ok; `bestEffort`: a warning only. */
export type FailurePolicy = 'critical' | 'bestEffort';

export interface ReportedError {
  readonly name: string;
  readonly message: string;
  /** The error's stable `code` when it has one (`QUIESCE_*`, Node's `ERR_*`, a driver's). */
  readonly code?: string;
}

/** One part of a node's stop (offsets in ms since shutdown began, like the node's own). */
export interface PhaseReport {
  readonly phase: StopPhase;
  readonly startOffsetMs: number;
  readonly durationMs: number;
  /** `drain` only: units of in-flight work still open when the wait began. */
  readonly inFlight?: number;
}

/** Where a node's time ran out, and what it was still waiting for then. */
export interface CutReport {
  readonly phase: StopPhase;
  /** What was open at that moment: in-flight work, and what the resource's `pending()` said. */
  readonly open: readonly string[];
}

/** One node's line in the report. Offsets are ms since shutdown began; null when it never began. */
export interface NodeReport {
  readonly name: string;
  readonly status: NodeStatus;
  readonly policy: FailurePolicy;
  readonly dependsOn: readonly string[];
  readonly startOffsetMs: number | null;
  readonly endOffsetMs: number | null;
  readonly durationMs: number | null;
  /** Its configured stop timeout, the time it was actually given, and what set that limit. */
  readonly timeoutMs: number;
  readonly effectiveTimeoutMs: number;
  readonly limitedBy: TimeoutReason;
  /** The time it reserved at the end of the deadline (`reserveMs`, 0 when none). */
  readonly reserveMs: number;
  /** The node whose settling let it begin (the last of its dependents to stop); absent when nothing held it. */
  readonly waitedFor?: string;
  /** Its stop, part by part (absent when it never began or had nothing to do). */
  readonly phases?: readonly PhaseReport[];
  /** For a node that timed out: the phase it was cut in and what was still open. */
  readonly cut?: CutReport;
  /** On the chain of nodes that bounded the total time. */
  readonly onCriticalPath: boolean;
  readonly reason?: string;
  readonly error?: ReportedError;
  /**
   * What else happened to the node that its status alone does not say: a start that a shutdown
   * interrupted and waited for, a late release of a start that completed after it was given up on.
   */
  readonly note?: string;
}

export interface ShutdownReportJSON {
  readonly schema: 'quiesce.shutdown-report/1';
  /** The container's `serviceName`, when set. */
  readonly service?: string;
  readonly ok: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly deadlineMs: number;
  readonly deadlinePassed: boolean;
  /** The drain delay before the first stop (readiness already failing): configured, and as run. */
  readonly drain: DrainReport;
  readonly criticalPath: readonly string[];
  /** Critical nodes that did not stop cleanly: why `ok` is false (with `deadlinePassed`). */
  readonly failedNodes: readonly string[];
  readonly warnings: readonly string[];
  readonly nodes: readonly NodeReport[];
  /**
   * Only in the report file `handleSignals({ reportFile })` writes: how the process ended — its
   * code, why, and what still held the event loop (the shape is ProcessExitReport).
   */
  readonly exit?: { readonly code: number; readonly cause: string; readonly heldBy: readonly unknown[] };
}

export interface DrainReport {
  readonly configuredMs: number;
  /** Shorter than configured when cut to keep the reserves, 0 when a start was interrupted. */
  readonly durationMs: number;
  readonly note?: string;
}
