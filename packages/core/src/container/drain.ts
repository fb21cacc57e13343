import { budgeted } from '../graph/budget.js';
import type { Clock } from '../engine/clock.js';
import { longestStopChain } from '../graph/graph.js';
import { round, type DrainReport } from '../report/report.js';
import type { ContainerOptions } from './options.js';
import type { RunningGraph } from './running-graph.js';

// The drain delay: the time between the shutdown request and the first stop, while readiness
// already fails, so a load balancer stops routing here first. A phase of its own in the report.

/** The delay itself. Ref'd: it is part of shutdown; an idle process must not exit in the middle of it. */
export function sleep(ms: number, clock: Clock): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * The drain delay, cut so that the stops still fit the deadline: a drain that would eat into their
 * time is shortened (and said so), never allowed to push stops past the deadline or skip them.
 * The stops keep the longest of:
 *  - the reserved chain (`reserveMs`, with the budget on): what the nodes say they need at least;
 *  - their worst-case chain of stop timeouts (`stopMs`: 0 for a node whose stop does nothing),
 *    capped at half the deadline — so with nothing reserved a drain as long as the deadline no
 *    longer leaves every node skipped, and a long stop chain still leaves the drain half.
 */
export function drainFor(run: RunningGraph, options: ContainerOptions, began: number, stopMs: (i: number) => number): DrainCut {
  const wanted = options.drainDelayMs;
  if (wanted === 0) return { ms: 0 };
  const { reserveMs, anyReserve } = run.limits;
  const started = (i: number): boolean => run.starts.needsStop(i);
  const reserved = options.budget && anyReserve ? longestStopChain(run.compiled.graph, (i) => budgeted(reserveMs[i]!), started).total : 0;
  const worstCase = longestStopChain(run.compiled.graph, stopMs, started).total;
  const kept = Math.max(reserved, Math.min(worstCase, options.shutdownTimeoutMs / 2));
  const allowed = Math.max(0, options.shutdownTimeoutMs - kept - (options.clock.now() - began));
  if (wanted <= allowed) return { ms: wanted };
  const why = kept === reserved ? 'the reserved stop time fits the deadline' : 'the stops keep their time before the deadline';
  options.logger?.warn({ drainDelayMs: wanted, cutToMs: allowed }, `quiesce: drain delay cut from ${wanted} ms to ${Math.round(allowed)} ms so ${why}`);
  return { ms: allowed, note: `cut so ${why}` };
}

/**
 * The drain, run: cut to fit (none after an interrupted start: it was never ready, nothing routes
 * to it), slept, reported, then `then`. With nothing to sleep it answers synchronously, not as a promise: the
 * stops then begin in the same tick as `shutdown()`, so work submitted right after the call is
 * refused (an `await` here would let one more checkout or publish in).
 */
export function runDrain<T>(run: RunningGraph, options: ContainerOptions, began: number, interrupted: boolean, stopMs: (i: number) => number, then: (drain: DrainReport) => T | Promise<T>): T | Promise<T> {
  const cut = interrupted ? { ms: 0 } : drainFor(run, options, began, stopMs);
  if (cut.ms <= 0) return then(drainReport(options.drainDelayMs, 0, interrupted, cut));
  const { clock } = options;
  const drainBegan = clock.now();
  return sleep(cut.ms, clock).then(() => then(drainReport(options.drainDelayMs, clock.now() - drainBegan, interrupted, cut)));
}

/** How long the drain runs, and why it is shorter than configured when it is. */
export interface DrainCut {
  readonly ms: number;
  readonly note?: string;
}

/** The report's account of the drain: configured, as run, and why they differ. */
export function drainReport(configuredMs: number, ranMs: number, interrupted: boolean, cut: DrainCut = { ms: configuredMs }): DrainReport {
  const durationMs = round(ranMs);
  if (configuredMs === 0) return { configuredMs, durationMs: 0 };
  if (interrupted) return { configuredMs, durationMs: 0, note: 'no drain: the service never became ready (its start was interrupted)' };
  return cut.note !== undefined ? { configuredMs, durationMs, note: cut.note } : { configuredMs, durationMs };
}
