import type { WalkResult, WalkStatus } from '../engine/walk.js';
import type { LifecycleGraph } from '../graph/graph.js';
import type { RecordedStop } from './phases.js';
import { isClean, NO_DRAIN, round, ShutdownReport, type ReportDetail } from './report.js';
import { REPORT_STATUS, type CutReport, type DrainReport, type FailurePolicy, type NodeReport, type NodeStatus, type PhaseReport, type ReportedError, type ReportWarning } from './types.js';

// Builds a ShutdownReport from a stop walk: `ok` the moment the walk ends, the per-node table only
// when someone reads it (the process is often about to exit). Every number is rounded to 0.1 ms.

function reportStatus(status: WalkStatus): NodeStatus {
  return REPORT_STATUS[status];
}

export function toReportedError(error: unknown): ReportedError | undefined {
  if (error === undefined) return undefined;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? { name: error.name, message: error.message, code } : { name: error.name, message: error.message };
  }
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
  /** The drain delay as configured and as run (the report's own phase). */
  readonly drain?: DrainReport;
  readonly service?: string;
  readonly reserveMs?: (i: number) => number;
  /** Per-node remarks from the container (see NodeReport.note). */
  readonly note?: (i: number) => string | undefined;
  /** What each node's stop did, part by part (`began`: when the walk began it, on the container's clock). */
  readonly recorded?: (i: number, began: number) => RecordedStop | undefined;
  /** What each node's hooks reported through `ctx.warn` (see NodeReport.warnings). */
  readonly warnings?: (i: number) => readonly ReportWarning[] | undefined;
  /** The process ended before the walk did: whatever the nodes say, the report is not ok. */
  readonly interrupted?: boolean;
}

export function buildShutdownReport(input: ReportInput): ShutdownReport {
  const { graph, walk, policy, deadlineMs, startedAt, offsetMs = 0, drain, service } = input;
  // Known from the walk's own arrays: no per-node record is built unless someone reads one.
  let ok = !walk.deadlinePassed && !input.interrupted;
  for (let i = 0; ok && i < graph.names.length; i++) ok = isClean(reportStatus(walk.statusOf(i)), walk.reasonOf(i)) || policy(i) === 'bestEffort';
  const detail = (): ReportDetail => {
    const critical = criticalPath(walk);
    const onPath = new Set(critical);
    const at = (t: number): number => round(t - walk.beganAt + offsetMs);
    const nodes: NodeReport[] = walk.outcomes.map((o, i) => {
      const began = !Number.isNaN(o.beganAt);
      const note = input.note?.(i);
      const warnings = input.warnings?.(i);
      const status = reportStatus(o.status);
      const recorded = began ? input.recorded?.(i, o.beganAt) : undefined;
      const phases = recorded ? phasesOf(recorded, o.beganAt, o.endedAt, at) : undefined;
      const cut = status === 'timedOut' && phases ? cutOf(recorded!, phases, at(o.beganAt + o.effectiveTimeoutMs)) : undefined;
      return {
        name: graph.names[i]!,
        status,
        policy: policy(i),
        dependsOn: graph.deps[i]!.map((d) => graph.names[d]!),
        startOffsetMs: began ? at(o.beganAt) : null,
        endOffsetMs: began ? at(o.endedAt) : null,
        durationMs: began ? round(o.endedAt - o.beganAt) : null,
        timeoutMs: o.timeoutMs,
        effectiveTimeoutMs: round(o.effectiveTimeoutMs),
        limitedBy: o.limitedBy,
        reserveMs: input.reserveMs?.(i) ?? 0,
        onCriticalPath: onPath.has(i),
        ...(began && o.gatedBy >= 0 ? { waitedFor: graph.names[o.gatedBy]! } : {}),
        ...(phases && phases.length > 0 ? { phases } : {}),
        ...(cut ? { cut } : {}),
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
        ...(o.error !== undefined ? { error: toReportedError(o.error) } : {}),
        ...(note !== undefined ? { note } : {}),
        ...(warnings !== undefined && warnings.length > 0 ? { warnings } : {}),
      };
    });
    return { nodes, criticalPath: critical.map((i) => graph.names[i]!) };
  };
  const durationMs = round(walk.endedAt - walk.beganAt + offsetMs);
  return new ShutdownReport({ service, ok, startedAt, durationMs, deadlineMs, deadlinePassed: walk.deadlinePassed, drain: drain ?? NO_DRAIN }, detail);
}

/**
 * The node's parts, clipped to its own window: a late release joined by the walk began before the
 * walk reached the node, and only the part the shutdown waited for belongs to this report line.
 */
function phasesOf(recorded: RecordedStop, began: number, ended: number, at: (t: number) => number): PhaseReport[] {
  const { marks } = recorded;
  const phases: PhaseReport[] = [];
  for (let k = 0; k < marks.length; k++) {
    const from = Math.max(marks[k]!.at, began);
    const to = Math.min(k + 1 < marks.length ? marks[k + 1]!.at : ended, ended);
    if (to < from) continue;
    const inFlight = marks[k]!.inFlight;
    phases.push({ phase: marks[k]!.phase, startOffsetMs: at(from), durationMs: round(to - from), ...(inFlight !== undefined ? { inFlight } : {}) });
  }
  return phases;
}

/** Where a timed-out node's time ran out: as recorded at the cut, else the part running at its limit. */
function cutOf(recorded: RecordedStop, phases: readonly PhaseReport[], limitAt: number): CutReport | undefined {
  if (recorded.cut) return recorded.cut;
  let running = phases.at(-1);
  for (const p of phases) if (p.startOffsetMs <= limitAt) running = p;
  return running ? { phase: running.phase, open: [] } : undefined;
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
