import { PHASE_LABELS } from './phases.js';
import type { DrainReport, NodeReport, ShutdownReportJSON } from './types.js';

// Words shared by the table, the chart and the termination-log line, so all three say the same.

/** `1.3 ms`, `245 ms`, `1.25 s`, `12.5 s`. */
export function fmt(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms > 0 && ms < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** `drain 118 ms (3 in flight) · stop 1.5 ms` */
export function phaseSummary(n: NodeReport): string {
  return (n.phases ?? []).map((p) => `${PHASE_LABELS[p.phase]} ${fmt(p.durationMs)}${p.inFlight ? ` (${p.inFlight} in flight)` : ''}`).join(' · ');
}

/** Why a node is not clean, in one phrase: its error, where it was cut and what was still open. */
export function whyNode(n: NodeReport): string {
  const parts: string[] = [];
  if (n.error) parts.push(n.error.message);
  else if (n.reason) parts.push(n.reason);
  if (n.cut) parts.push(`cut in ${PHASE_LABELS[n.cut.phase]}${n.cut.open.length > 0 ? `: ${n.cut.open.join(', ')} still open` : ''}`);
  if (n.note) parts.push(n.note);
  return parts.join('; ');
}

/**
 * `shutdown NOT ok in 2.01 s: pg timedOut (cut in in-flight work: 2 checkouts still open)`. When
 * the drain delay took most of the time it leads (`shutdown ok in 6.20 s: drain delay 5.00 s, stops
 * 1.20 s`): otherwise a reader blames the stops for time the load balancer was given on purpose.
 */
export function headline(r: Pick<ShutdownReportJSON, 'service' | 'ok' | 'durationMs' | 'deadlineMs' | 'deadlinePassed' | 'nodes' | 'failedNodes'> & { readonly drain?: DrainReport }): string {
  const who = r.service ? `${r.service}: ` : '';
  const drainMs = r.drain?.durationMs ?? 0;
  const drainLeads = drainMs > 0 && drainMs >= r.durationMs / 2;
  const drain = drainLeads ? `drain delay ${fmt(drainMs)}, stops ${fmt(Math.max(0, r.durationMs - drainMs))}` : '';
  if (r.ok) return `${who}shutdown ok in ${fmt(r.durationMs)}${drainLeads ? `: ${drain}` : ''} (deadline ${fmt(r.deadlineMs)})`;
  const culprits = r.failedNodes.map((name) => {
    const n = r.nodes.find((node) => node.name === name);
    const why = n?.cut ? ` (cut in ${PHASE_LABELS[n.cut.phase]}${n.cut.open.length > 0 ? `: ${n.cut.open.join(', ')} still open` : ''})` : '';
    return `${name} ${n?.status ?? 'failed'}${why}`;
  });
  if (r.deadlinePassed) culprits.push(`global deadline ${fmt(r.deadlineMs)} passed`);
  return `${who}shutdown NOT ok in ${fmt(r.durationMs)}${drainLeads ? ` (${drain})` : ''}: ${culprits.join(', ')}`;
}
