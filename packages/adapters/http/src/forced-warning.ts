export const FORCED_CLOSE_WARNING = 'QUIESCE_HTTP_FORCED_CLOSE';

/** What the force path found still open, by kind (kinds with 0 are left out of the message). */
export type ForcedCounts = Record<string, number>;

/**
 * The report says `timedOut`; this says what was cut: how many connections were still busy, how
 * many were upgraded (WebSocket, CONNECT — HTTP cannot close those gracefully, their owner must),
 * so an operator knows which fix applies. A process warning with a stable code: the adapter has
 * no logger, and a warning is visible by default.
 */
export function warnForcedClose(name: string, counts: ForcedCounts): void {
  const parts = Object.entries(counts).filter(([, n]) => n > 0);
  if (parts.length === 0) return;
  const hint = (counts['upgraded connections'] ?? 0) > 0 ? ' Close upgraded connections in a resource that dependsOn this server (it stops first).' : '';
  process.emitWarning(`${name}: stop did not finish in time; destroyed ${parts.map(([kind, n]) => `${n} ${kind}`).join(', ')}.${hint}`, { code: FORCED_CLOSE_WARNING });
}
