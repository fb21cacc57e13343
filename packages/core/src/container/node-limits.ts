import type { Registration } from './registration.js';

/**
 * Every node's configured limits, index-aligned with the graph, read once per compiled graph.
 * Walks, plans and reports ask for them per node many times; reading typed arrays instead of
 * option objects of many shapes kept a 10k-node start from paying ~1 ms per pass.
 */
export interface NodeLimits {
  readonly startTimeoutMs: Float64Array;
  readonly stopTimeoutMs: Float64Array;
  readonly reserveMs: Float64Array;
  /** Whether any node reserves time: without one, budgeting has nothing to compute. */
  readonly anyReserve: boolean;
}

/** The container options a node falls back to when it sets no timeout of its own. */
export interface LimitDefaults {
  readonly defaultStartTimeoutMs: number;
  readonly defaultStopTimeoutMs: number;
}

export function nodeLimits(registrations: readonly Registration[], defaults: LimitDefaults): NodeLimits {
  const n = registrations.length;
  const startTimeoutMs = new Float64Array(n);
  const stopTimeoutMs = new Float64Array(n);
  const reserveMs = new Float64Array(n);
  let anyReserve = false;
  for (let i = 0; i < n; i++) {
    const o = registrations[i]!.options;
    startTimeoutMs[i] = o.startTimeoutMs ?? defaults.defaultStartTimeoutMs;
    stopTimeoutMs[i] = o.stopTimeoutMs ?? defaults.defaultStopTimeoutMs;
    reserveMs[i] = o.reserveMs ?? 0;
    anyReserve ||= reserveMs[i]! > 0;
  }
  return { startTimeoutMs, stopTimeoutMs, reserveMs, anyReserve };
}
