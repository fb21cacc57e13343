import { isClean } from './clean.js';
import { fmt, headline, phaseSummary, whyNode } from './format.js';
import { PHASE_LABELS, PHASE_OPACITY } from './phases.js';
import { COLORS, defs, DRAIN, esc, fit, INK, legend, MUTED, RESERVE, ticks, TRACK } from './svg-parts.js';
import type { NodeReport, ShutdownReportJSON } from './types.js';

/**
 * The shutdown as a Gantt chart that says *why*: the drain delay as a row of its own; per node a
 * bar split into its parts (refuse new work, in-flight work, stop, deactivation), the time it was
 * allowed behind it and the configured timeout when something cut it shorter, its reserve at the
 * deadline, the link from the node that released it (critical path drawn), and — on a node that
 * is not clean — the error and what was still open, as visible text.
 */
const L = { width: 1200, label: 230, right: 90, top: 104, row: 44, errorRow: 58, bar: 16 };

interface Row {
  readonly y: number;
  readonly height: number;
  readonly node?: NodeReport;
}

export function renderTimelineSvg(r: ShutdownReportJSON): string {
  const nodes = [...r.nodes].sort((a, b) => (a.startOffsetMs ?? Infinity) - (b.startOffsetMs ?? Infinity) || a.name.localeCompare(b.name));
  const rows: Row[] = [];
  let y = L.top;
  if (r.drain.configuredMs > 0) rows.push({ y, height: L.row }), (y += L.row);
  for (const node of nodes) {
    const height = isClean(node.status, node.reason) ? L.row : L.errorRow;
    rows.push({ y, height, node });
    y += height;
  }
  const bottom = y;
  const plot = L.width - L.label - L.right;
  const lastEnd = Math.max(r.durationMs, r.drain.configuredMs, ...nodes.map((n) => n.endOffsetMs ?? 0));
  // The deadline marker only when near enough to matter; otherwise the bars get the width.
  const showDeadline = r.deadlinePassed || r.deadlineMs <= lastEnd * 1.3;
  const span = Math.max(1, (showDeadline ? Math.max(lastEnd, r.deadlineMs) : lastEnd) * 1.04);
  const x = (ms: number): number => L.label + (Math.max(0, Math.min(ms, span)) / span) * plot;
  const height = bottom + 64;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${height}" viewBox="0 0 ${L.width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13" role="img" aria-label="quiesce shutdown timeline">`,
    defs(),
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    `<text class="headline" x="16" y="28" font-size="17" font-weight="bold" fill="${r.ok ? INK : COLORS.failed}">${esc(fit(headline(r), L.width - 32))}</text>`,
    `<text x="16" y="50" fill="${MUTED}">started ${esc(r.startedAt)} · deadline ${fmt(r.deadlineMs)}${r.deadlinePassed ? ' — PASSED' : ''} · critical path: ${esc(r.criticalPath.join(' → ') || '–')}</text>`,
  ];
  for (const tick of ticks(span)) {
    out.push(
      `<line x1="${x(tick)}" y1="${L.top - 14}" x2="${x(tick)}" y2="${bottom}" stroke="#eaeef2"/>`,
      `<text x="${x(tick)}" y="${L.top - 20}" text-anchor="middle" fill="${MUTED}" font-size="11">${fmt(tick)}</text>`,
    );
  }
  for (const row of rows) out.push(row.node ? nodeRow(row.node, row, x, showDeadline ? r.deadlineMs : undefined) : drainRow(r, row, x));
  out.push(links(rows, x, nodes.length <= 40));
  if (showDeadline) {
    out.push(
      `<line class="deadline" x1="${x(r.deadlineMs)}" y1="${L.top - 14}" x2="${x(r.deadlineMs)}" y2="${bottom}" stroke="${COLORS.failed}" stroke-dasharray="4 3"/>`,
      `<text x="${x(r.deadlineMs) + 4}" y="${L.top - 34}" fill="${COLORS.failed}" font-size="11">deadline ${fmt(r.deadlineMs)}</text>`,
    );
  }
  out.push(legend(16, bottom + 40), '</svg>');
  return out.join('\n');
}

function drainRow(r: ShutdownReportJSON, row: Row, x: (ms: number) => number): string {
  const mid = row.y + L.bar / 2 + 6;
  const { configuredMs, durationMs, note } = r.drain;
  const end = Math.max(x(durationMs), x(0) + 3);
  return [
    `<g class="drain" data-duration="${durationMs}">`,
    `<text x="${L.label - 10}" y="${mid + 4}" text-anchor="end" fill="${INK}" font-style="italic">drain delay</text>`,
    `<rect x="${x(0)}" y="${mid - L.bar / 2}" width="${Math.max(0, x(configuredMs) - x(0))}" height="${L.bar}" rx="3" fill="none" stroke="${DRAIN}" stroke-dasharray="3 2"/>`,
    `<rect x="${x(0)}" y="${mid - L.bar / 2}" width="${end - x(0)}" height="${L.bar}" rx="3" fill="${DRAIN}"/>`,
    `<text x="${x(0) + 4}" y="${row.y + 38}" fill="${MUTED}" font-size="11">${esc(`${fmt(durationMs)} of ${fmt(configuredMs)} configured — readiness failing, no node stopping yet${note ? `; ${note}` : ''}`)}</text>`,
    '</g>',
  ].join('');
}

function nodeRow(n: NodeReport, row: Row, x: (ms: number) => number, deadlineMs: number | undefined): string {
  const mid = row.y + L.bar / 2 + 6;
  const clean = isClean(n.status, n.reason);
  const parts = [`<g class="row" data-node="${esc(n.name)}" data-status="${n.status}" data-critical="${n.onCriticalPath}" data-policy="${n.policy}">`];
  if (n.onCriticalPath) parts.push(`<rect x="0" y="${row.y}" width="100%" height="${row.height}" fill="#fff8e1"/>`);
  const name = `${n.name}${n.policy === 'bestEffort' ? ' (best effort)' : ''}`;
  parts.push(`<text x="${L.label - 10}" y="${mid + 4}" text-anchor="end" fill="${INK}"${n.onCriticalPath ? ' font-weight="bold"' : ''}>${esc(fit(name, L.label - 16))}</text>`);
  if (n.startOffsetMs === null || n.endOffsetMs === null) {
    parts.push(`<text x="${L.label + 4}" y="${mid + 4}" fill="${COLORS.skipped}" font-style="italic">skipped — ${esc(n.reason ?? '')}</text>`, '</g>');
    return parts.join('');
  }
  const start = x(n.startOffsetMs);
  // The time it was allowed, and the configured timeout when a deadline or budget cut it shorter.
  const allowedEnd = x(n.startOffsetMs + n.effectiveTimeoutMs);
  parts.push(`<rect class="allowed" x="${start}" y="${mid - L.bar / 2 - 3}" width="${Math.max(0, allowedEnd - start)}" height="${L.bar + 6}" fill="${TRACK}" rx="3"/>`);
  const own = x(n.startOffsetMs + n.timeoutMs);
  // Beyond the chart's edge the text below says it; a marker pinned to the edge would mislead.
  if (n.limitedBy !== 'own timeout' && own < L.width - L.right - 0.5) {
    parts.push(`<line class="configured" x1="${own}" y1="${mid - 12}" x2="${own}" y2="${mid + 12}" stroke="${MUTED}" stroke-dasharray="2 2"/>`);
  }
  if (deadlineMs !== undefined && n.reserveMs > 0) {
    parts.push(`<rect class="reserve" x="${x(deadlineMs - n.reserveMs)}" y="${mid - L.bar / 2 - 3}" width="${x(deadlineMs) - x(deadlineMs - n.reserveMs)}" height="${L.bar + 6}" fill="url(#reserve)" stroke="${RESERVE}" stroke-opacity="0.5"/>`);
  }
  parts.push(bar(n, start, Math.max(x(n.endOffsetMs), start + 3), mid, x));
  const limits = [
    `timeout ${fmt(n.timeoutMs)}`,
    ...(n.limitedBy !== 'own timeout' ? [`allowed ${fmt(n.effectiveTimeoutMs)} (${n.limitedBy})`] : []),
    ...(n.reserveMs > 0 ? [`reserve ${fmt(n.reserveMs)}`] : []),
    ...(n.waitedFor ? [`began after ${n.waitedFor}`] : []),
    ...(n.phases && n.phases.length > 1 ? [phaseSummary(n)] : []),
  ].join(' · ');
  parts.push(`<text class="limits" x="${textX(limits, start)}" y="${row.y + 38}" fill="${MUTED}" font-size="11">${esc(fit(limits, L.width - L.label))}</text>`);
  if (!clean) {
    const color = n.policy === 'bestEffort' ? MUTED : COLORS.failed;
    const why = `✕ ${whyNode(n)}`;
    parts.push(`<text class="why" x="${textX(why, start)}" y="${row.y + 52}" fill="${color}" font-size="11">${esc(fit(why, L.width - L.label))}</text>`);
  }
  parts.push('</g>');
  return parts.join('');
}

/** Under its bar when it fits, else moved left so a late node's text is not cut at the edge. */
function textX(text: string, start: number): number {
  return Math.max(L.label + 4, Math.min(start, L.width - 8 - text.length * 6));
}

/** The node's bar: one segment per part, labelled where it fits; striped for best effort not clean. */
function bar(n: NodeReport, start: number, end: number, mid: number, x: (ms: number) => number): string {
  const color = COLORS[n.status];
  const top = mid - L.bar / 2;
  const tip = `${n.name}: ${n.status} in ${fmt(n.durationMs ?? 0)} (allowed ${fmt(n.effectiveTimeoutMs)}, ${n.limitedBy})${n.error ? ` — ${n.error.message}` : ''}`;
  const out = [`<rect class="bar" x="${start}" y="${top}" width="${end - start}" height="${L.bar}" rx="3" fill="${color}" fill-opacity="${n.phases && n.phases.length > 0 ? 0.25 : 1}"${n.onCriticalPath ? ` stroke="${INK}" stroke-width="2"` : ''}><title>${esc(tip)}</title></rect>`];
  for (const p of n.phases ?? []) {
    const from = x(p.startOffsetMs);
    const to = Math.max(x(p.startOffsetMs + p.durationMs), from + 1);
    const label = `${PHASE_LABELS[p.phase]} ${fmt(p.durationMs)}${p.inFlight ? ` (${p.inFlight} open)` : ''}`;
    out.push(`<rect class="phase" data-phase="${p.phase}" x="${from}" y="${top}" width="${to - from}" height="${L.bar}" fill="${color}" fill-opacity="${PHASE_OPACITY[p.phase]}"><title>${esc(label)}</title></rect>`);
    if (to - from > label.length * 6 + 8) out.push(`<text x="${from + 4}" y="${mid + 4}" fill="#ffffff" font-size="11">${esc(label)}</text>`);
  }
  if (n.policy === 'bestEffort' && !isClean(n.status, n.reason)) out.push(`<rect x="${start}" y="${top}" width="${end - start}" height="${L.bar}" rx="3" fill="url(#best-effort)" stroke="${color}" stroke-dasharray="3 2"/>`);
  if (end - start <= 3) out.push(`<path class="instant" d="M${start},${top - 3} l4,${L.bar / 2 + 3} l-4,${L.bar / 2 + 3} l-4,-${L.bar / 2 + 3} z" fill="${color}"/>`);
  out.push(`<text x="${Math.min(end + 6, L.width - L.right + 4)}" y="${mid + 4}" fill="${INK}" font-size="12">${fmt(n.durationMs ?? 0)}${n.status === 'stopped' ? '' : ` ${n.status}`}</text>`);
  return out.join('');
}

/** From the end of the node that released each node to its start: solid on the critical path, faint elsewhere. */
function links(rows: readonly Row[], x: (ms: number) => number, all: boolean): string {
  const byName = new Map(rows.filter((r) => r.node).map((r) => [r.node!.name, r]));
  const out = ['<g class="links" fill="none">'];
  for (const row of rows) {
    const n = row.node;
    if (!n?.waitedFor || n.startOffsetMs === null || !(n.onCriticalPath || all)) continue;
    const from = byName.get(n.waitedFor);
    if (!from?.node || from.node.endOffsetMs === null) continue;
    const critical = n.onCriticalPath && from.node.onCriticalPath;
    const [x1, y1, x2, y2] = [x(from.node.endOffsetMs), from.y + L.bar / 2 + 6, x(n.startOffsetMs), row.y + L.bar / 2 + 6];
    const style = critical ? `stroke="${INK}" stroke-width="1.5" marker-end="url(#arrow)"` : 'stroke="#afb8c1" stroke-dasharray="2 3"';
    out.push(`<path class="${critical ? 'link critical' : 'link'}" data-from="${esc(n.waitedFor)}" data-to="${esc(n.name)}" d="M${x1},${y1} C${x1 + 14},${y1} ${x2 - 14},${y2} ${x2},${y2}" ${style}/>`);
  }
  out.push('</g>');
  return out.join('');
}

/** A self-contained HTML page: the chart, then the table, nothing fetched from anywhere. */
export function renderTimelineHtml(r: ShutdownReportJSON, table: string): string {
  return [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${esc(r.service ? `${r.service} — ` : '')}quiesce shutdown report</title>`,
    '<style>body{margin:24px;font-family:Helvetica,Arial,sans-serif;color:#1f2328}svg{max-width:100%;height:auto}pre{background:#f6f8fa;padding:12px;border-radius:6px;font-size:12px;overflow:auto}</style>',
    '</head><body>',
    renderTimelineSvg(r),
    `<pre>${esc(table)}</pre>`,
    '</body></html>',
  ].join('\n');
}
