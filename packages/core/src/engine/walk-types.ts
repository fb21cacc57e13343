import type { TimeoutReason } from '../errors.js';
import type { LifecycleGraph } from '../graph/graph.js';
import type { Clock } from './clock.js';
import type { PhaseContext } from './node-run.js';

// The engine's vocabulary: what a walk is given, what it reports, and how a node can settle.

/** What happened to one node in one walk. */
export type WalkStatus = 'done' | 'failed' | 'timedOut' | 'skipped';

export interface NodeOutcome {
  status: WalkStatus;
  /** The walk clock's now() when its hook began / the node settled (NaN when it never began). */
  beganAt: number;
  endedAt: number;
  error?: unknown;
  /** Why it was skipped, or which limit cut it short. */
  reason?: string;
  /** The node's own timeout and the time it was actually given (after deadline and budget). */
  timeoutMs: number;
  effectiveTimeoutMs: number;
  limitedBy: TimeoutReason;
  /** The predecessor whose settling let this node begin (-1: none): the critical-path link. */
  gatedBy: number;
}

/**
 * A node began ('running') or settled, at `at` (the walk clock's now()). Positional, not a record:
 * the walk calls it twice per node and allocating there showed up in the time before a
 * shutdown's first stop began.
 */
export type WalkTransition = (node: number, status: 'running' | WalkStatus, at: number, error?: unknown) => void;

export interface WalkOptions {
  readonly graph: LifecycleGraph;
  /** 'start' walks dependencies first; 'stop' walks dependents first. */
  readonly direction: 'start' | 'stop';
  /** Nodes outside the walk (not started, say) are reported 'skipped' and gate nothing. */
  readonly include?: (i: number) => boolean;
  /** Every call gets the node's context, whatever the function declares. */
  readonly run: (i: number, ctx: PhaseContext) => unknown;
  readonly timeoutMs: (i: number) => number;
  /** Where the walk reads time and arms its timers (default: the real clock). */
  readonly clock?: Clock;
  /** The global deadline, absolute, on the walk's clock (its now()). */
  readonly deadlineAt?: number;
  /** The configured global deadline, quoted by the errors of nodes it cut. */
  readonly deadlineMs?: number;
  /** Per-node reserve: with it, a node is cut early enough for the nodes after it (budgeting). */
  readonly reserveMs?: (i: number) => number;
  /** Start walks halt on the first failure; stop walks always go on and collect errors. */
  readonly haltOnFailure: boolean;
  readonly onTransition?: WalkTransition;
  /** Lets the caller interrupt a walk (shutdown during start): nothing new begins afterwards. */
  readonly interrupt?: AbortSignal;
}

export interface WalkResult {
  /** One record per node; built on first access (the engine's own records hold more). */
  readonly outcomes: NodeOutcome[];
  /** One node's status and skip/limit reason, without building every outcome record. */
  statusOf(i: number): WalkStatus;
  reasonOf(i: number): string | undefined;
  /** How many nodes ended in each status. */
  readonly counts: Readonly<Record<WalkStatus, number>>;
  readonly beganAt: number;
  readonly endedAt: number;
  readonly halted: boolean;
  readonly deadlinePassed: boolean;
}

/** Skip reasons of nodes that had nothing to stop: they never started, or their start never completed. */
export const NOT_STARTED = 'not started';
export const START_NOT_COMPLETED = 'its start was interrupted and did not complete';

/**
 * What a run may return (or resolve to) to settle its node as something other than done: a node
 * the caller decided to skip (an interrupted start that never completed: nothing to stop), or one
 * it cut itself.
 */
export class NodeSettlement {
  private constructor(
    readonly status: 'skipped' | 'timedOut',
    readonly reason: string | undefined,
    readonly error: unknown,
  ) {}
  static skipped(reason: string): NodeSettlement {
    return new NodeSettlement('skipped', reason, undefined);
  }
  static timedOut(error: unknown): NodeSettlement {
    return new NodeSettlement('timedOut', undefined, error);
  }
}


/** Every settled status, for counting. */
export const STATUSES: readonly WalkStatus[] = ['done', 'failed', 'timedOut', 'skipped'];

/**
 * A hook that answers later than its limit by more than this overran it (it kept the event loop
 * from running the timer). Below it is clock granularity, not a blocked loop.
 */
export const OVERRUN_TOLERANCE_MS = 1;

/** A throwing observer must not leave the walk half-updated (a node never settled hangs the shutdown). */
export function notifySafely(observer: WalkTransition | undefined, node: number, status: 'running' | WalkStatus, at: number, error?: unknown): void {
  try {
    observer?.(node, status, at, error);
  } catch {} // observers report their own failures; the walk's bookkeeping comes first
}

/** Why a node never began after the deadline passed, naming the node whose overrun delayed it. */
export function deadlineSkipReason(overrun: { readonly node: string; readonly overrunMs: number } | undefined): string {
  const cause = overrun ? ` (delayed by ${overrun.node}, which overran its limit by ${Math.round(overrun.overrunMs)} ms)` : '';
  return `global deadline passed before it could begin${cause}`;
}
