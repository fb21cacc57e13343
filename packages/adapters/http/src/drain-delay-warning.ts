import type { PlanWarning } from '@quiesce/core';

/**
 * A readiness probe only helps if something keeps serving after it turns 503: with
 * `drainDelayMs: 0` the listener closes in the same instant, while Kubernetes endpoints and load
 * balancers still route to this pod for seconds (keep-alive clients that do not watch the probe
 * see resets). The server's `planWarning`: `app.plan().warnings` lists it, and start() emits it
 * (a process warning with code QUIESCE_PLAN_WARNING, or through the container's logger).
 */
export function readinessNeedsDrainDelay(readiness: string | undefined): PlanWarning | undefined {
  if (!readiness) return undefined;
  return ({ drainDelayMs }) =>
    drainDelayMs === 0
      ? `readiness probe ${readiness} is configured but the container's drainDelayMs is 0, so the drain begins the moment readiness turns 503 and load balancers still routing here get 503s, then refused connections. Set drainDelayMs to at least the readiness probe's periodSeconds × failureThreshold plus endpoint propagation (5000–10000 ms on Kubernetes).`
      : undefined;
}
