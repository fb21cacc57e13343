import { budgeted } from '../graph/budget.js';
import { longestStopChain } from '../graph/graph.js';
import { round, type DrainReport } from '../report/report.js';
import type { ContainerOptions } from './options.js';
import type { RunningGraph } from './running-graph.js';

// The drain delay: the time between the shutdown request and the first stop, while readiness
// already fails, so a load balancer stops routing here first. A phase of its own in the report.

/** The delay itself. Ref'd: it is part of shutdown; an idle process must not exit in the middle of it. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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

/** The report's account of the drain: configured, as run, and why they differ. */
export function drainReport(configuredMs: number, ranMs: number, interrupted: boolean): DrainReport {
  const durationMs = round(ranMs);
  if (configuredMs === 0) return { configuredMs, durationMs: 0 };
  if (interrupted) return { configuredMs, durationMs: 0, note: 'no drain: the service never became ready (its start was interrupted)' };
  // A drain that ran shorter than configured by more than timer jitter was cut to keep the reserves.
  return durationMs < configuredMs - 1 ? { configuredMs, durationMs, note: 'cut so the reserved stop time fits the deadline' } : { configuredMs, durationMs };
}
