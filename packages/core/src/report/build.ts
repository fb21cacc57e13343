import type { WalkResult, WalkStatus } from '../engine/walk.js';
import type { LifecycleGraph } from '../graph/graph.js';
import { isClean, round, ShutdownReport, type ReportDetail } from './report.js';
import type { FailurePolicy, NodeReport, NodeStatus, ReportedError } from './types.js';

// Builds a ShutdownReport from a stop walk: `ok` the moment the walk ends, the per-node table only
// when someone reads it (the process is often about to exit).

function reportStatus(status: WalkStatus): NodeStatus {
  return status === 'done' ? 'stopped' : status;
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
