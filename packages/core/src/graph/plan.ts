import { inspect } from 'node:util';
import { ErrorCodes, QuiesceError } from '../errors.js';
import { longestStopChain, type LifecycleGraph } from './graph.js';
import { BUDGET_SLACK_MS, budgeted } from './budget.js';
import { kubernetesFragment, type KubernetesOptions } from './kubernetes/index.js';

export interface PlanStep {
  readonly name: string;
  /** Its stop timeout, or 0 when its stop has nothing to do (no hook, no deactivation, no in-flight work). */
  readonly stopTimeoutMs: number;
  readonly reserveMs: number;
}

/** The worst case a shutdown can take, from the graph and the configured timeouts alone. */
export interface ShutdownPlan {
  readonly drainDelayMs: number;
  /** The chain of stop timeouts that makes the worst case, first to stop first. */
  readonly chain: readonly PlanStep[];
  readonly worstCaseMs: number;
  /** The longest chain of reserveMs: the time the budget keeps free at the end of the deadline. */
  readonly reservedMs: number;
  readonly shutdownTimeoutMs: number;
  readonly fits: boolean;
  /** e.g. `drain 5000 ms → http 25000 ms → api 3000 ms → pg 5000 ms = 38000 ms > 30000 ms` */
  readonly summary: string;
  /**
   * What the resources say cannot work with these settings (e.g. a readiness probe with no drain
   * delay), independent of whether the plan fits. Emitted at start as process warnings.
   */
  readonly warnings: readonly string[];
  /** The pod-spec fragment these numbers imply (terminationGracePeriodSeconds, readiness probe, preStop), as YAML. */
  toKubernetes(options?: KubernetesOptions): string;
}

export class PlanDoesNotFitError extends QuiesceError {
  override readonly name = 'PlanDoesNotFitError';
  override readonly code = ErrorCodes.PlanDoesNotFitError;
  constructor(readonly plan: ShutdownPlan) {
    super(`Worst-case shutdown does not fit the deadline: ${plan.summary}. Lower the stop timeouts on this chain or raise shutdownTimeoutMs (and terminationGracePeriodSeconds).`);
  }
}

export function planShutdown(
  graph: LifecycleGraph,
  stopTimeoutMs: (i: number) => number,
  reserveMs: (i: number) => number,
  drainDelayMs: number,
  shutdownTimeoutMs: number,
  terminationGracePeriodSeconds?: number,
  warnings: readonly string[] = [],
): ShutdownPlan {
  const { total, chain } = longestStopChain(graph, stopTimeoutMs);
  const steps = chain.map((i) => ({ name: graph.names[i]!, stopTimeoutMs: stopTimeoutMs(i), reserveMs: reserveMs(i) }));
  const worstCaseMs = drainDelayMs + total;
  const reserves = longestStopChain(graph, (i) => budgeted(reserveMs(i)));
  // Nodes with nothing to stop cost 0 ms and would only clutter the summary.
  const parts = [...(drainDelayMs > 0 ? [`drain ${drainDelayMs} ms`] : []), ...steps.filter((s) => s.stopTimeoutMs > 0).map((s) => `${s.name} ${s.stopTimeoutMs} ms`)];
  let summary = `${parts.join(' → ') || '(no nodes)'} = ${worstCaseMs} ms ${worstCaseMs <= shutdownTimeoutMs ? '≤' : '>'} ${shutdownTimeoutMs} ms`;
  let fits = worstCaseMs <= shutdownTimeoutMs;
  if (reserves.total > 0) {
    // The budget cuts the drain and upstream nodes so reserves hold; a reserve chain that does not
    // fit beside the drain delay cannot be honoured at all.
    const needed = drainDelayMs + reserves.total;
    const reserveFits = needed <= shutdownTimeoutMs;
    fits &&= reserveFits;
    const reserved = reserves.chain.filter((i) => reserveMs(i) > 0);
    const names = reserved.map((i) => `${graph.names[i]!} ${reserveMs(i)} ms`);
    summary += `; ${drainDelayMs > 0 ? `drain ${drainDelayMs} ms + ` : ''}reserved ${names.join(' + ')} + slack ${BUDGET_SLACK_MS} ms × ${reserved.length} = ${needed} ms ${reserveFits ? '≤' : '>'} ${shutdownTimeoutMs} ms`;
  }
  if (terminationGracePeriodSeconds !== undefined) {
    // The deadline must end before the kubelet's SIGKILL, or the report is never printed.
    const graceMs = terminationGracePeriodSeconds * 1000;
    const beforeKill = shutdownTimeoutMs < graceMs;
    fits &&= beforeKill;
    summary += `; shutdownTimeoutMs ${shutdownTimeoutMs} ms ${beforeKill ? '<' : '≥'} terminationGracePeriodSeconds ${terminationGracePeriodSeconds} s (${graceMs} ms)`;
  }
  const numbers = { drainDelayMs, chain: steps, worstCaseMs, reservedMs: reserves.total, shutdownTimeoutMs, fits, summary, warnings };
  // `console.log(app.plan())` and `${plan}` print the summary; JSON keeps every field (methods are not enumerable).
  return Object.defineProperties(numbers, {
    toString: { value: () => summary },
    toKubernetes: { value: (options?: KubernetesOptions) => kubernetesFragment(numbers, options) },
    [inspect.custom]: { value: () => `ShutdownPlan ${fits ? 'fits' : 'does NOT fit'}: ${summary}${warnings.map((w) => `\n  warning: ${w}`).join('')}` },
  }) as typeof numbers & Pick<ShutdownPlan, 'toKubernetes'>;
}
