import { describeError, ErrorCodes, QuiesceError } from '../errors.js';
import { REPORT_SCHEMA_ID, SUMMARY_KEYS, type CutReport, type DrainReport, type FailurePolicy, type NodeReport, type NodeStatus, type PhaseReport, type ReportedError, type ReportWarning, type ShutdownReportJSON, type StopPhase, type SummaryKey } from './types.js';

export type { CutReport, DrainReport, FailurePolicy, NodeReport, NodeStatus, PhaseReport, ReportedError, ReportWarning, ShutdownReportJSON, StopPhase };
import { isClean, neverStarted, NOT_STARTED, round, START_NOT_COMPLETED } from './clean.js';
import { headline } from './format.js';
import { renderTable } from './table.js';
import { renderTimelineHtml, renderTimelineSvg } from './timeline.js';

/** The per-node half of a report, built only when someone reads it. */
export interface ReportDetail {
  readonly nodes: readonly NodeReport[];
  readonly criticalPath: readonly string[];
}

/** What is known of a shutdown the moment its walk ends (the per-node detail comes later): the JSON's summary fields. */
export type ReportSummary = Omit<Pick<ShutdownReportJSON, SummaryKey>, 'startedAt'> & { readonly startedAt: Date };

export const NO_DRAIN: DrainReport = Object.freeze({ configuredMs: 0, durationMs: 0 });

// The summary fields (ok, durationMs, drain, …) are declared once, in ShutdownReportJSON, and
// reach the class through this interface: a field added there and to SUMMARY_KEYS needs no getter.
export interface ShutdownReport extends ReportSummary {}

/**
 * What happened to every node during one shutdown. Returned by `shutdown()`; never thrown.
 * `ok` is known the moment the walk ends; the per-node detail is built on first read, so a
 * shutdown resolves without paying for a table nobody may look at (the process is about to exit).
 */
export class ShutdownReport {
  readonly #build: () => ReportDetail;
  #detail: ReportDetail | undefined;
  #warnings: readonly string[] | undefined;

  constructor(summary: ReportSummary, detail: () => ReportDetail) {
    const fields = this as unknown as Record<SummaryKey, unknown>;
    for (const key of SUMMARY_KEYS) fields[key] = summary[key];
    this.#build = detail;
  }

  /** A report captured earlier (logs, a file written by `handleSignals({ reportFile })`), to render again. */
  static fromJSON(json: ShutdownReportJSON): ShutdownReport {
    const { nodes, criticalPath } = json;
    return new ShutdownReport(
      { ...json, startedAt: new Date(json.startedAt), drain: json.drain ?? NO_DRAIN },
      () => ({ nodes, criticalPath }),
    );
  }

  get nodes(): readonly NodeReport[] {
    return this.#resolve().nodes;
  }

  /** The chain of nodes that bounded the total time, first to stop first. */
  get criticalPath(): readonly string[] {
    return this.#resolve().criticalPath;
  }

  /** Critical nodes that did not stop cleanly: what made the shutdown not ok (with a passed deadline). */
  get failedNodes(): readonly string[] {
    return this.nodes.filter((n) => n.policy === 'critical' && !isClean(n.status, n.reason)).map((n) => n.name);
  }

  /**
   * One line per best-effort node that did not stop cleanly, then one per warning a node's hooks
   * gave (`ctx.warn`), named by its node. Neither makes `ok` false.
   */
  get warnings(): readonly string[] {
    this.#warnings ??= [
      ...this.nodes.filter((n) => n.policy === 'bestEffort' && !isClean(n.status, n.reason)).map((n) => `${n.name} (best effort) ${n.status}${n.error ? `: ${n.error.message}` : ''}`),
      ...this.nodes.flatMap((n) => (n.warnings ?? []).map((w) => `${n.name} ${w.code}: ${w.message}`)),
    ];
    return this.#warnings;
  }

  #resolve(): ReportDetail {
    this.#detail ??= this.#build();
    return this.#detail;
  }

  node(name: string): NodeReport | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  /** Throws ShutdownError when not ok, for callers that prefer exceptions. */
  throwIfFailed(): this {
    if (!this.ok) throw new ShutdownError(this);
    return this;
  }

  toJSON(): ShutdownReportJSON {
    const summary: Record<string, unknown> = { schema: REPORT_SCHEMA_ID };
    for (const key of SUMMARY_KEYS) {
      const value = key === 'startedAt' ? this.startedAt.toISOString() : this[key];
      if (value !== undefined) summary[key] = value;
    }
    return { ...(summary as Pick<ShutdownReportJSON, 'schema' | SummaryKey>), criticalPath: this.criticalPath, failedNodes: this.failedNodes, warnings: this.warnings, nodes: this.nodes };
  }

  /** A Gantt chart of every node's stop as SVG: its parts, why it waited, where it was cut. */
  toSVG(): string {
    return renderTimelineSvg(this.toJSON());
  }

  /** The chart and the table as one self-contained HTML page. */
  toHTML(): string {
    return renderTimelineHtml(this.toJSON(), this.toTable());
  }

  /** A terminal table, in the order nodes began stopping; `*` marks the critical path. */
  toTable(): string {
    return renderTable(this.toJSON());
  }

  /** One line: ok or not, how long, which nodes made it not ok and why, the critical path. */
  toSummary(): string {
    return `${headline(this.toJSON())}; critical path: ${this.criticalPath.join(' → ') || '-'}`;
  }
}

export { isClean, neverStarted, NOT_STARTED, round, START_NOT_COMPLETED };

// The two errors that carry a report live beside it (the shared errors module needs no report).

/** `start()` failed: `node` is the first node whose start failed; what had started was stopped again. */
export class StartError extends QuiesceError {
  override readonly name = 'StartError';
  override readonly code = ErrorCodes.StartError;
  constructor(
    readonly node: string,
    override readonly cause: unknown,
    readonly rollback: ShutdownReport,
  ) {
    super(`Start failed at "${node}": ${describeError(cause)}; started nodes were stopped again (rollback ${rollback.ok ? 'ok' : 'had failures'})`);
  }
}

/** Thrown by `ShutdownReport.throwIfFailed()`; carries the report with every node's outcome. */
export class ShutdownError extends QuiesceError {
  override readonly name = 'ShutdownError';
  override readonly code = ErrorCodes.ShutdownError;
  constructor(readonly report: ShutdownReport) {
    const bad = report.nodes.filter((n) => n.status === 'failed' || n.status === 'timedOut');
    super(`Shutdown was not clean: ${bad.map((n) => `${n.name} ${n.status}`).join(', ') || 'global deadline passed'}`);
  }
}
