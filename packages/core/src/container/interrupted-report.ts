import { ProcessExitedError } from '../errors.js';
import { STATUSES, type NodeOutcome, type WalkResult, type WalkStatus } from '../engine/walk-types.js';
import { NOT_STARTED } from '../engine/walk-types.js';
import type { StopSoFar } from '../process/node-observer.js';
import { buildShutdownReport } from '../report/build.js';
import type { DrainReport, ShutdownReport } from '../report/report.js';
import type { ContainerOptions } from './options.js';
import type { RunningGraph } from './running-graph.js';

/** When the shutdown began, as the container knows it before the stop walk has a result. */
export interface ShutdownBegan {
  readonly requestedAt: number;
  /** clock.now() of the request. */
  readonly began: number;
  readonly drain?: DrainReport;
}

/**
 * The report of a shutdown the process did not live to finish (a hook called `process.exit()`, a
 * second signal): written synchronously on the way out, from what the observer saw of the stop
 * walk. What settled says how; what was running is `failed` with ProcessExitedError; what never
 * began is `skipped`, saying why. Never ok.
 */
export function interruptedReport(run: RunningGraph, stops: StopSoFar, options: ContainerOptions, began: ShutdownBegan, why: string): ShutdownReport {
  const { graph } = run.compiled;
  const now = options.clock.now();
  const { stopTimeoutMs } = run.limits;
  const outcomes: NodeOutcome[] = graph.names.map((name, i) => {
    const limits = { timeoutMs: stopTimeoutMs[i]!, effectiveTimeoutMs: stopTimeoutMs[i]!, limitedBy: 'own timeout' as const, gatedBy: -1 };
    const status = stops.status[i];
    const beganAt = stops.began[i]!;
    if (status !== undefined) {
      const reason = status === 'skipped' ? (run.starts.needsStop(i) ? 'skipped by the stop walk' : NOT_STARTED) : undefined;
      return { ...limits, status, beganAt, endedAt: stops.ended[i]!, ...(stops.error[i] !== undefined ? { error: stops.error[i] } : {}), ...(reason ? { reason } : {}) };
    }
    if (!Number.isNaN(beganAt)) return { ...limits, status: 'failed', beganAt, endedAt: now, error: new ProcessExitedError(name, why) };
    const reason = run.starts.needsStop(i) ? `never began: ${why} first` : NOT_STARTED;
    return { ...limits, status: 'skipped', beganAt: NaN, endedAt: NaN, reason };
  });
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<WalkStatus, number>;
  for (const o of outcomes) counts[o.status]++;
  const walk: WalkResult = {
    outcomes,
    statusOf: (i) => outcomes[i]!.status,
    reasonOf: (i) => outcomes[i]!.reason,
    counts,
    beganAt: began.began,
    endedAt: now,
    halted: true,
    deadlinePassed: now - began.began > options.shutdownTimeoutMs,
  };
  return buildShutdownReport({
    graph,
    walk,
    policy: (i) => run.policy(i),
    deadlineMs: options.shutdownTimeoutMs,
    startedAt: new Date(began.requestedAt),
    drain: began.drain ?? { configuredMs: options.drainDelayMs, durationMs: 0, note: `not finished: ${why}` },
    service: options.serviceName,
    reserveMs: (i) => run.limits.reserveMs[i]!,
    recorded: (i, at) => run.stops.recorder.recorded(i, at),
    warnings: run.warnings.any ? (i) => run.warnings.of(i) : undefined,
    interrupted: true,
  });
}
