import type { Propagation } from './presets.js';

/**
 * Kubernetes' default timeoutSeconds is 1: one answer delayed by a busy event loop then counts as a
 * failure. quiesce answers /readyz before any request listener, so 2 s only absorbs loop lag.
 */
export const PROBE_TIMEOUT_SECONDS = 2;
/** Never 1: a single slow or lost probe would pull a healthy pod out of rotation. */
export const PROBE_FAILURE_THRESHOLD = 2;
/** Kubernetes' own default period: there is no reason to probe less often than that. */
const MAX_PERIOD_SECONDS = 10;

export interface ReadinessNumbers {
  readonly timeoutSeconds: number;
  /** Set only where they shape the drain: a balancer that health-checks pods, draining after SIGTERM. */
  readonly periodSeconds?: number;
  readonly failureThreshold?: number;
}

/**
 * Deleting a pod marks its endpoint terminating at once, whatever the probe says, so for kube-proxy
 * and ingress controllers the probe only gates startup. A balancer that health-checks pods has a
 * second way to drop the pod: /readyz answering 503 during drainDelayMs — but not during a preStop
 * sleep, when the app has not yet heard of the shutdown. Sized so that
 * periodSeconds × failureThreshold + timeoutSeconds ≤ drainDelayMs.
 */
export function readinessNumbers(propagation: Propagation, preStop: boolean, drainDelayMs: number): ReadinessNumbers {
  if (!propagation.healthChecksPods || preStop) return { timeoutSeconds: PROBE_TIMEOUT_SECONDS };
  const drainSeconds = Math.floor(drainDelayMs / 1000);
  const timeoutSeconds = drainSeconds >= 6 ? PROBE_TIMEOUT_SECONDS : 1;
  const periodSeconds = Math.min(MAX_PERIOD_SECONDS, Math.floor((drainSeconds - timeoutSeconds) / PROBE_FAILURE_THRESHOLD));
  // Too short to hold two failed probes: the drain is then short of the lag too (a warning says so).
  if (periodSeconds < 1) return { timeoutSeconds: PROBE_TIMEOUT_SECONDS };
  return { timeoutSeconds, periodSeconds, failureThreshold: PROBE_FAILURE_THRESHOLD };
}
