import type { TimeoutReason } from '../errors.js';
import type { NodeRun } from './node-run.js';
import type { NodeOutcome, WalkResult, WalkStatus } from './walk-types.js';

/**
 * Where a node is in one walk: the one status vocabulary of the engine. `waiting` for its
 * predecessors, `running` its hook, or settled as one of the walk's statuses (the report's words
 * for those are REPORT_STATUS, report/types.ts).
 */
export type NodeStatus = 'waiting' | 'running' | WalkStatus;

/**
 * One node's state in one walk, as a plain record. Services have tens to hundreds of nodes; a
 * record per node reads as what it is, and 10k of them cost well under the bench's 20 ms. A class
 * only so every record is built with the same fields in the same order (one shape for V8).
 */
export class NodeRecord {
  status: NodeStatus = 'waiting';
  /** clock.now() when its hook began / the node settled (NaN when it never began). */
  beganAt = NaN;
  endedAt = NaN;
  /**
   * Its own timeout and the time it was given (after deadline and budget); -1 until it begins (not
   * NaN: an integer field stays unboxed, and a walk allocates one record per node).
   */
  timeoutMs = -1;
  allowedMs = -1;
  limitedBy: TimeoutReason = 'own timeout';
  /** Predecessors still to settle before it may begin. */
  waitingOn = 0;
  /** The predecessor whose settling let it begin (-1: none). */
  gatedBy = -1;
  /** Its run while its hook is pending (asynchronous), for its timer and for giving up on it. */
  run: NodeRun | undefined = undefined;
  error: unknown = undefined;
  reason: string | undefined = undefined;
}

export function nodeRecords(n: number): NodeRecord[] {
  const nodes: NodeRecord[] = new Array(n);
  for (let i = 0; i < n; i++) nodes[i] = new NodeRecord();
  return nodes;
}

export function isSettled(status: NodeStatus): status is WalkStatus {
  return status !== 'waiting' && status !== 'running';
}

/** The walk's answer: counts at once, one outcome record per node only when first read. */
export function walkResult(nodes: readonly NodeRecord[], timeoutMs: (i: number) => number, times: { beganAt: number; endedAt: number }, halted: boolean, deadlinePassed: boolean): WalkResult {
  const counts: Record<WalkStatus, number> = { done: 0, failed: 0, timedOut: 0, skipped: 0 };
  for (const node of nodes) counts[settled(node)]++;
  let outcomes: NodeOutcome[] | undefined;
  return {
    get outcomes() {
      outcomes ??= nodes.map((node, i) => outcomeOf(node, timeoutMs, i));
      return outcomes;
    },
    statusOf: (i) => settled(nodes[i]!),
    reasonOf: (i) => nodes[i]!.reason,
    counts,
    ...times,
    halted,
    deadlinePassed,
  };
}

/** Every node has settled by the time a walk answers: this only narrows the type. */
function settled(node: NodeRecord): WalkStatus {
  return isSettled(node.status) ? node.status : 'skipped';
}

function outcomeOf(node: NodeRecord, timeoutMs: (i: number) => number, i: number): NodeOutcome {
  // A node that never began reports the timeout it would have had.
  if (node.timeoutMs < 0) node.timeoutMs = node.allowedMs = timeoutMs(i);
  return {
    status: settled(node),
    beganAt: node.beganAt,
    endedAt: node.endedAt,
    timeoutMs: node.timeoutMs,
    effectiveTimeoutMs: node.allowedMs,
    limitedBy: node.limitedBy,
    gatedBy: node.gatedBy,
    ...(node.error !== undefined ? { error: node.error } : {}),
    ...(node.reason !== undefined ? { reason: node.reason } : {}),
  };
}
