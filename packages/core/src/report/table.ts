import { fmt, headline, phaseSummary, whyNode } from './format.js';
import type { NodeReport, ShutdownReportJSON } from './types.js';

/**
 * The report as a terminal table, in the order nodes began stopping: the drain delay first as a
 * row of its own, `*` on the critical path, what each node waited for, its parts and, for a node
 * that is not clean, why.
 */
export function renderTable(r: ShutdownReportJSON): string {
  const ordered = [...r.nodes].sort((a, b) => (a.startOffsetMs ?? Infinity) - (b.startOffsetMs ?? Infinity));
  const rows = ordered.map((n) => [
    `${n.onCriticalPath ? '*' : ' '} ${n.name}${n.policy === 'bestEffort' ? ' (best effort)' : ''}`,
    n.status,
    n.startOffsetMs === null ? '-' : fmt(n.startOffsetMs),
    n.durationMs === null ? '-' : fmt(n.durationMs),
    timeoutCell(n),
    n.waitedFor ?? '-',
    [phaseSummary(n), whyNode(n)].filter(Boolean).join(' — '),
  ]);
  if (r.drain.configuredMs > 0) {
    rows.unshift(['  (drain delay)', r.drain.note ? 'cut' : 'done', fmt(0), fmt(r.drain.durationMs), fmt(r.drain.configuredMs), '-', r.drain.note ?? 'readiness failing; no node stopping yet']);
  }
  const header = ['  node', 'status', 'start', 'duration', 'timeout', 'after', 'parts / why'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const path = `critical path: ${r.criticalPath.join(' → ') || '-'}`;
  // The nodes' own warnings (ctx.warn) under the table: each is advice, too long for a cell.
  const warnings = r.nodes.flatMap((n) => (n.warnings ?? []).map((w) => `warning: ${n.name} ${w.code}: ${w.message}`));
  return [headline(r), line(header), ...rows.map(line), `${path}${r.deadlinePassed ? '; deadline PASSED' : ''}`, ...warnings].join('\n');
}

/** The configured timeout, and the effective one with what set it when that is shorter. */
function timeoutCell(n: NodeReport): string {
  const own = fmt(n.timeoutMs);
  const effective = n.limitedBy === 'own timeout' ? own : `${own} → ${fmt(n.effectiveTimeoutMs)} (${n.limitedBy})`;
  return n.reserveMs > 0 ? `${effective}, reserve ${fmt(n.reserveMs)}` : effective;
}
