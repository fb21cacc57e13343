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

/**
 * Something a node's hooks noticed that its status alone does not say, through `ctx.warn(code,
 * message)` (a drain too short for the traffic still arriving, say). A warning never makes the
 * report not ok; `code` is stable (`QUIESCE_*`, see ReportWarningCodes) for alerting to branch on.
 */
export interface ReportWarning {
  readonly code: string;
  readonly message: string;
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
  /** What its hooks reported through `ctx.warn(code, message)`, in the order they did (absent when none). */
  readonly warnings?: readonly ReportWarning[];
}

/** The report format's id: `schema` in every report, `$id`'s last part in the JSON Schema. */
export const REPORT_SCHEMA_ID = 'quiesce.shutdown-report/1';

export interface ShutdownReportJSON {
  readonly schema: typeof REPORT_SCHEMA_ID;
  /** The container's `serviceName`, when set. */
  readonly service?: string;
  /** Every critical node stopped (or never started) and the deadline held. */
  readonly ok: boolean;
  /** When the shutdown was requested (ISO 8601). */
  readonly startedAt: string;
  /** From the shutdown request to the last node settled, drain delay included. */
  readonly durationMs: number;
  /** The global deadline (`shutdownTimeoutMs`). */
  readonly deadlineMs: number;
  /** The global deadline passed before every node settled. */
  readonly deadlinePassed: boolean;
  /** The drain delay before the first stop (readiness already failing): configured, and as run. */
  readonly drain: DrainReport;
  /** The chain of nodes that bounded the total time, first to stop first. */
  readonly criticalPath: readonly string[];
  /** Critical nodes that did not stop cleanly: why `ok` is false (with `deadlinePassed`). */
  readonly failedNodes: readonly string[];
  /**
   * One line per best-effort node that did not stop cleanly, then one per node warning
   * (`ctx.warn`), as `<node> <code>: <message>`. Neither makes `ok` false.
   */
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

/**
 * The top-level fields known the moment the walk ends (ReportSummary): the report's constructor
 * takes exactly these and `toJSON()` writes them in this order. A field added here needs no
 * getter: the class declares these through its interface (report.ts).
 */
export const SUMMARY_KEYS = ['service', 'ok', 'startedAt', 'durationMs', 'deadlineMs', 'deadlinePassed', 'drain'] as const;
export type SummaryKey = (typeof SUMMARY_KEYS)[number];
