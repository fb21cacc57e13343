import type { Container } from 'inversify';
import { InterruptedError } from '../errors.js';
import type { PhaseContext } from '../engine/node-run.js';
import { isThenable } from '../engine/steps.js';
import { walk, type WalkResult } from '../engine/walk.js';
import type { HandleOrigins } from '../process/handle-origins.js';
import type { NodeObserver } from '../process/node-observer.js';
import type { Registration } from './registration.js';
import type { RunningGraph } from './running-graph.js';
import { STARTING } from './start-tracker.js';
import { asyncServiceIn } from './usage-errors.js';

/**
 * Start every node, dependencies first, halting at the first failure; `interrupt` (a shutdown
 * during start) gives up on running starts at once. Where each start really is — including one
 * that completes after it was given up on, which is then released — is kept in `run.starts`.
 */
export function startWalk(run: RunningGraph, container: Container, interrupt: AbortSignal, observer: NodeObserver, origins: HandleOrigins): Promise<WalkResult> {
  const { startTimeoutMs } = run.limits;
  return walk({
    graph: run.compiled.graph,
    direction: 'start',
    clock: run.clock,
    haltOnFailure: true,
    interrupt,
    timeoutMs: (i) => startTimeoutMs[i]!,
    run: (i, ctx) => origins.run(run.compiled.graph.names[i]!, 'start', () => startNode(run, container, i, ctx)),
    onTransition: (node, status, at, error) => observer.transition('start', node, status, at, error),
  });
}

function startNode(run: RunningGraph, container: Container, i: number, ctx: PhaseContext): unknown {
  run.starts.state[i] = STARTING;
  let result: unknown;
  try {
    const instance = resolve(container, run.compiled.registrations[i]!);
    // No promise, context or closure for the common case: a sync instance without a start hook.
    result = isThenable(instance)
      ? Promise.resolve(instance).then((value) => {
          // Built after it was given up on: never call its start hook, but what was built is
          // running (a pool, a connection) and is released like any late start.
          if (ctx.aborted) return void run.adopt(i, value);
          return startHook(run, i, ctx, value);
        })
      : startHook(run, i, ctx, instance);
  } catch (error) {
    run.starts.settled(i, false);
    throw error;
  }
  if (!isThenable(result)) {
    run.starts.settled(i, true);
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      // A stop walk waiting for this start stops it in order; otherwise, if the start walk had
      // given up on it, nobody else will: release it now.
      if (!run.starts.settled(i, true) && ctx.aborted) run.stops.releaseLate(i);
      return value;
    },
    (error: unknown) => {
      run.starts.settled(i, false);
      throw error;
    },
  );
}

function startHook(run: RunningGraph, i: number, ctx: PhaseContext, instance: unknown): unknown {
  run.adopt(i, instance);
  const start = run.hooks[i]?.start;
  return start ? start(run.hookContext(i, ctx)) : undefined;
}

/**
 * Factories may be async: resolve them with getAsync, because a sync get() of an async factory
 * leaves inversify's caching promise behind, which rejects unhandled if the factory fails.
 * Everything else resolves synchronously (no promise per node); by then its dependencies have
 * started, so their values are cached and sync.
 */
function resolve(container: Container, registration: Registration): unknown {
  const token = registration.token as never;
  if (registration.kind === 'factory') return container.getAsync(token);
  try {
    return container.get(token);
  } catch (error) {
    if (asyncServiceIn(error) !== undefined) return container.getAsync(token);
    throw error;
  }
}

/** The node that failed first (by end time), or -1: what a StartError names. */
export function firstFailure(result: WalkResult): number {
  // The common case, a clean start, needs no outcome records.
  if (result.counts.failed + result.counts.timedOut === 0) return -1;
  let first = -1;
  result.outcomes.forEach((o, i) => {
    // Siblings given up on because of this failure are not what failed.
    if (o.error instanceof InterruptedError) return;
    if ((o.status === 'failed' || o.status === 'timedOut') && (first < 0 || o.endedAt < result.outcomes[first]!.endedAt)) first = i;
  });
  return first;
}
