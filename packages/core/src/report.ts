import { ShutdownError, type TimeoutReason } from './errors.js';
import type { LifecycleGraph } from './graph.js';
import type { FailurePolicy } from './options.js';
import { NOT_STARTED, START_NOT_COMPLETED, type WalkResult, type WalkStatus } from './scheduler.js';
import { renderTimelineHtml, renderTimelineSvg } from './timeline.js';

export type NodeStatus = 'stopped' | 'failed' | 'timedOut' | 'skipped';

export interface ReportedError {
  readonly name: string;
  readonly message: string;
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
function isClean(status: NodeStatus, reason: string | undefined): boolean {
  return status === 'stopped' || (status === 'skipped' && neverStarted(reason));
}

function reportStatus(status: WalkStatus): NodeStatus {
  return status === 'done' ? 'stopped' : status;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function toReportedError(error: unknown): ReportedError | undefined {
  if (error === undefined) return undefined;
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

export interface ReportInput {
  readonly graph: LifecycleGraph;
  readonly walk: WalkResult;
  readonly policy: (i: number) => FailurePolicy;
  readonly deadlineMs: number;
  readonly startedAt: Date;
  /** Extra time before the walk (drain delay) that counts towards the total. */
  readonly offsetMs?: number;
  /** Per-node remarks from the container (see NodeReport.note). */
  readonly note?: (i: number) => string | undefined;
}

export function buildShutdownReport({ graph, walk, policy, deadlineMs, startedAt, offsetMs = 0, note }: ReportInput): ShutdownReport {
  // Known from the walk's own arrays: no per-node record is built unless someone reads one.
  let ok = !walk.deadlinePassed;
  for (let i = 0; ok && i < graph.names.length; i++) ok = isClean(reportStatus(walk.statusOf(i)), walk.reasonOf(i)) || policy(i) === 'bestEffort';
  const detail = (): ReportDetail => {
    const { outcomes } = walk;
    const critical = criticalPath(walk);
    const onPath = new Set(critical);
    const nodes: NodeReport[] = outcomes.map((o, i) => {
      const began = Number.isNaN(o.beganAt) ? null : o.beganAt - walk.beganAt + offsetMs;
      return {
        name: graph.names[i]!,
        status: reportStatus(o.status),
        policy: policy(i),
        dependsOn: graph.deps[i]!.map((d) => graph.names[d]!),
        startOffsetMs: began,
        endOffsetMs: began === null ? null : o.endedAt - walk.beganAt + offsetMs,
        durationMs: began === null ? null : o.endedAt - o.beganAt,
        timeoutMs: o.timeoutMs,
        effectiveTimeoutMs: o.effectiveTimeoutMs,
        limitedBy: o.limitedBy,
        onCriticalPath: onPath.has(i),
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
        ...(o.error !== undefined ? { error: toReportedError(o.error) } : {}),
        ...(note?.(i) !== undefined ? { note: note(i) } : {}),
      };
    });
    return { nodes, criticalPath: critical.map((i) => graph.names[i]!) };
  };
  return new ShutdownReport(startedAt, walk.endedAt - walk.beganAt + offsetMs, deadlineMs, walk.deadlinePassed, ok, detail);
}

/** From the node that finished last, follow "who let me begin" links back to the first node. */
function criticalPath(walk: WalkResult): number[] {
  let last = -1;
  walk.outcomes.forEach((o, i) => {
    if (!Number.isNaN(o.beganAt) && (last < 0 || o.endedAt > walk.outcomes[last]!.endedAt)) last = i;
  });
  const path: number[] = [];
  for (let i = last; i >= 0; i = walk.outcomes[i]!.gatedBy) path.push(i);
  return path.reverse();
}
