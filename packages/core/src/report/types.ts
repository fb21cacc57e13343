import type { TimeoutReason } from '../errors.js';

// The report as data: what the report, its renderers and the JSON schema share.

export type NodeStatus = 'stopped' | 'failed' | 'timedOut' | 'skipped';

/** `critical` (default): a failure makes the report not ok; `bestEffort`: a warning only. */
export type FailurePolicy = 'critical' | 'bestEffort';

export interface ReportedError {
  readonly name: string;
  readonly message: string;
  /** The error's stable `code` when it has one (`QUIESCE_*`, Node's `ERR_*`, a driver's). */
  readonly code?: string;
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
  readonly ok: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly deadlineMs: number;
  readonly deadlinePassed: boolean;
  readonly criticalPath: readonly string[];
  readonly warnings: readonly string[];
  readonly nodes: readonly NodeReport[];
}

/** What a renderer reads of a report (the chart and page never need the class itself). */
export type ReportView = Pick<ShutdownReportJSON, 'ok' | 'durationMs' | 'deadlineMs' | 'deadlinePassed' | 'criticalPath' | 'nodes'> & {
  toTable(): string;
};
