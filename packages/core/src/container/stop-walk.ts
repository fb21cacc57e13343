import { walk } from '../engine/walk.js';
import { budgeted } from '../graph/budget.js';
import { longestStopChain } from '../graph/graph.js';
import type { NodeObserver } from '../process/node-observer.js';
import { buildShutdownReport } from '../report/build.js';
import type { ShutdownReport } from '../report/report.js';
import type { ContainerOptions } from './options.js';
import type { RunningGraph } from './running-graph.js';

export interface StopTiming {
  /** Date.now() when shutdown was requested (the report's startedAt). */
  readonly requestedAt: number;
  /** performance.now() when shutdown was requested: the global deadline counts from here. */
  readonly began: number;
  /** Time already spent before the walk (the drain delay), shown in the report. */
  readonly elapsedMs: number;
}

/**
 * Stop every node whose start completed (or may still complete), dependents first, under the
 * global deadline and, with `budget`, the reserves; then build the report.
 */
export async function stopWalk(run: RunningGraph, options: ContainerOptions, observer: NodeObserver, timing: StopTiming): Promise<ShutdownReport> {
  const { graph } = run.compiled;
  const { stopTimeoutMs, reserveMs, anyReserve } = run.limits;
  const deadlineMs = options.shutdownTimeoutMs;
  const deadlineAt = timing.began + deadlineMs;
  run.stops.begin(deadlineAt);
  const result = await walk({
    graph,
    direction: 'stop',
    haltOnFailure: false,
    include: (i) => run.starts.needsStop(i),
    deadlineAt,
    deadlineMs,
    // With no reserve anywhere every tail is 0: skip the pass (see ARCHITECTURE.md, performance).
    reserveMs: options.budget && anyReserve ? (i) => reserveMs[i]! : undefined,
    timeoutMs: (i) => stopTimeoutMs[i]!,
    run: (i, ctx) => run.stops.step(i, ctx),
    onTransition: (node, status, at, error) => observer.transition('stop', node, status, at, error),
  });
  const notes = await run.stops.end();
  return buildShutdownReport({
    graph,
    walk: result,
    policy: (i) => run.policy(i),
    deadlineMs,
    startedAt: new Date(timing.requestedAt),
    offsetMs: timing.elapsedMs,
    note: notes.size > 0 ? (i) => notes.get(i) : undefined,
  });
}

/**
 * The drain delay, cut so that the nodes' reserved time still fits the deadline: a drain that
 * would eat into it is shortened (and said so), never allowed to push stops past the deadline.
 */
export function drainFor(run: RunningGraph, options: ContainerOptions, began: number): number {
  const wanted = options.drainDelayMs;
  if (wanted === 0) return 0;
  const { reserveMs, anyReserve } = run.limits;
  const reserved = options.budget && anyReserve ? longestStopChain(run.compiled.graph, (i) => budgeted(reserveMs[i]!), (i) => run.starts.needsStop(i)).total : 0;
  const allowed = Math.max(0, options.shutdownTimeoutMs - reserved - (performance.now() - began));
  if (wanted <= allowed) return wanted;
  options.logger?.warn({ drainDelayMs: wanted, cutToMs: allowed }, `quiesce: drain delay cut from ${wanted} ms to ${Math.round(allowed)} ms so the reserved stop time fits the deadline`);
  return allowed;
}
