import { walk } from '../engine/walk.js';
import type { HandleOrigins } from '../process/handle-origins.js';
import type { NodeObserver } from '../process/node-observer.js';
import { buildShutdownReport } from '../report/build.js';
import type { DrainReport, ShutdownReport } from '../report/report.js';
import type { ContainerOptions } from './options.js';
import type { RunningGraph } from './running-graph.js';

export interface StopTiming {
  /** clock.wallNow() when shutdown was requested (the report's startedAt). */
  readonly requestedAt: number;
  /** clock.now() when shutdown was requested: the global deadline counts from here. */
  readonly began: number;
  /** Time already spent before the walk (the drain delay), shown in the report. */
  readonly elapsedMs: number;
  /** The drain delay as configured and as run. */
  readonly drain?: DrainReport;
}

/**
 * Stop every node whose start completed (or may still complete), dependents first, under the
 * global deadline and, with `budget`, the reserves; then build the report.
 */
export async function stopWalk(run: RunningGraph, options: ContainerOptions, observer: NodeObserver, timing: StopTiming, origins: HandleOrigins): Promise<ShutdownReport> {
  const { graph } = run.compiled;
  const { stopTimeoutMs, reserveMs, anyReserve } = run.limits;
  const deadlineMs = options.shutdownTimeoutMs;
  const deadlineAt = timing.began + deadlineMs;
  run.stops.begin(deadlineAt);
  const result = await walk({
    graph,
    direction: 'stop',
    clock: run.clock,
    haltOnFailure: false,
    include: (i) => run.starts.needsStop(i),
    deadlineAt,
    deadlineMs,
    // With no reserve anywhere every tail is 0: skip the pass (see ARCHITECTURE.md, performance).
    reserveMs: options.budget && anyReserve ? (i) => reserveMs[i]! : undefined,
    timeoutMs: (i) => stopTimeoutMs[i]!,
    run: (i, ctx) => origins.run(graph.names[i]!, 'stop', () => run.stops.step(i, ctx)),
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
    drain: timing.drain,
    service: options.serviceName,
    reserveMs: (i) => reserveMs[i]!,
    note: notes.size > 0 ? (i) => notes.get(i) : undefined,
    recorded: (i, began) => run.stops.recorder.recorded(i, began),
    warnings: run.warnings.any ? (i) => run.warnings.of(i) : undefined,
  });
}
