import type { HealthSource } from './probes.js';

export const NO_DRAIN_DELAY_WARNING = 'QUIESCE_HTTP_NO_DRAIN_DELAY';

/** The container's drain delay when the health source is the container (or httpModule's view of it). */
function drainDelayOf(source: HealthSource): number | undefined {
  const delay = typeof source === 'object' ? (source as { options?: { drainDelayMs?: unknown } }).options?.drainDelayMs : undefined;
  return typeof delay === 'number' ? delay : undefined;
}

/**
 * A readiness probe only helps if something keeps serving after it turns 503: with
 * `drainDelayMs: 0` the listener closes in the same instant, while Kubernetes endpoints and load
 * balancers still route to this pod for seconds (keep-alive clients that do not watch the probe
 * see resets). Warned once per server at start, as a process warning with a stable code.
 */
export function warnIfReadinessCannotWork(name: string, readiness: string | undefined, source: HealthSource | undefined): void {
  if (!readiness || !source || drainDelayOf(source) !== 0) return;
  process.emitWarning(
    `${name}: readiness probe ${readiness} is configured but the container's drainDelayMs is 0, so the listener closes the moment readiness turns 503 and load balancers still routing here get refused connections and resets. Set drainDelayMs to at least the readiness probe's periodSeconds × failureThreshold plus endpoint propagation (5000–10000 ms on Kubernetes).`,
    { code: NO_DRAIN_DELAY_WARNING },
  );
}
