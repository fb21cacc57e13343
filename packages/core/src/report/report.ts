import { describeError, ErrorCodes, QuiesceError } from '../errors.js';
import type { FailurePolicy, NodeReport, NodeStatus, ReportedError, ShutdownReportJSON } from './types.js';

export type { FailurePolicy, NodeReport, NodeStatus, ReportedError, ShutdownReportJSON };
import { NOT_STARTED, START_NOT_COMPLETED } from '../engine/walk.js';
import { renderTimelineHtml, renderTimelineSvg } from './timeline.js';

/** The per-node half of a report, built only when someone reads it. */
export interface ReportDetail {
  readonly nodes: readonly NodeReport[];
  readonly criticalPath: readonly string[];
}

/**
 * What happened to every node during one shutdown. Returned by `shutdown()`; never thrown.
 * `ok` is known the moment the walk ends; the per-node detail is built on first read, so a
 * shutdown resolves without paying for a table nobody may look at (the process is about to exit).
 */
export class ShutdownReport {
  readonly #build: () => ReportDetail;
  #detail: ReportDetail | undefined;
  #warnings: readonly string[] | undefined;

  constructor(
    readonly startedAt: Date,
    readonly durationMs: number,
    readonly deadlineMs: number,
    readonly deadlinePassed: boolean,
    /** Every critical node stopped (or never started) and the deadline held. */
    readonly ok: boolean,
    detail: () => ReportDetail,
  ) {
    this.#build = detail;
  }

  /** A report read back from its JSON (a log line, a file): renders the same table, SVG and page. */
  static fromJSON(json: ShutdownReportJSON): ShutdownReport {
    const detail = { nodes: json.nodes, criticalPath: json.criticalPath };
    return new ShutdownReport(new Date(json.startedAt), json.durationMs, json.deadlineMs, json.deadlinePassed, json.ok, () => detail);
  }

  get nodes(): readonly NodeReport[] {
    return this.#resolve().nodes;
  }

  /** The chain of nodes that bounded the total time, first to stop first. */
  get criticalPath(): readonly string[] {
    return this.#resolve().criticalPath;
  }

  /** One line per best-effort node that did not stop cleanly (they do not make `ok` false). */
  get warnings(): readonly string[] {
    this.#warnings ??= this.nodes
      .filter((n) => n.policy === 'bestEffort' && !isClean(n.status, n.reason))
      .map((n) => `${n.name} (best effort) ${n.status}${n.error ? `: ${n.error.message}` : ''}`);
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
    return {
      schema: 'quiesce.shutdown-report/1',
      ok: this.ok,
      startedAt: this.startedAt.toISOString(),
      durationMs: round(this.durationMs),
      deadlineMs: this.deadlineMs,
      deadlinePassed: this.deadlinePassed,
      criticalPath: this.criticalPath,
      warnings: this.warnings,
      nodes: this.nodes,
    };
  }

  /** A Gantt chart of every node's stop as SVG: status colors, critical path outlined, allowed time behind each bar. */
  toSVG(): string {
    return renderTimelineSvg(this);
  }

  /** The chart and the table as one self-contained HTML page. */
  toHTML(): string {
    return renderTimelineHtml(this);
  }

  /** A terminal table, in the order nodes began stopping; `*` marks the critical path. */
  toTable(): string {
    const rows = [...this.nodes]
      .sort((a, b) => (a.startOffsetMs ?? Infinity) - (b.startOffsetMs ?? Infinity))
      .map((n) => [
        `${n.onCriticalPath ? '*' : ' '} ${n.name}`,
        n.status,
        n.startOffsetMs === null ? '-' : `${round(n.startOffsetMs)} ms`,
        n.durationMs === null ? '-' : `${round(n.durationMs)} ms`,
        n.limitedBy === 'own timeout' ? `${n.timeoutMs} ms` : `${round(n.effectiveTimeoutMs)} ms (${n.limitedBy})`,
        [n.error ? n.error.message : (n.reason ?? ''), n.note ?? ''].filter(Boolean).join('; '),
      ]);
    const header = ['  node', 'status', 'start', 'duration', 'timeout', 'error'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const line = (cells: string[]): string => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd();
    const summary = `shutdown ${this.ok ? 'ok' : 'NOT ok'} in ${round(this.durationMs)} ms (deadline ${this.deadlineMs} ms${this.deadlinePassed ? ', PASSED' : ''}); critical path: ${this.criticalPath.join(' → ') || '-'}`;
    return [line(header), ...rows.map(line), summary].join('\n');
  }
}

export { NOT_STARTED, START_NOT_COMPLETED };

export function neverStarted(reason: string | undefined): boolean {
  return reason === NOT_STARTED || reason === START_NOT_COMPLETED;
}

/** Stopped, or never started in the first place. */
export function isClean(status: NodeStatus, reason: string | undefined): boolean {
  return status === 'stopped' || (status === 'skipped' && neverStarted(reason));
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

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
