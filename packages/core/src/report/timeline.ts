import type { NodeReport, NodeStatus, ReportView } from './types.js';

/**
 * The shutdown as a Gantt chart: one row per node in the order they began stopping, a bar per
 * stop colored by status, the critical path outlined, and behind each bar a faint track of the
 * time the node was allowed (its effective timeout) — so "why did this take so long" and "who
 * was cut short, by what" read at a glance.
 */
const COLORS: Record<NodeStatus, string> = {
  stopped: '#2f9e5b',
  failed: '#d64545',
  timedOut: '#e8912d',
  skipped: '#9aa1a9',
};

const LAYOUT = { width: 1000, label: 200, right: 110, top: 64, row: 28, bar: 16, bottom: 74 };

export function renderTimelineSvg(report: ReportView): string {
  const rows = [...report.nodes].sort((a, b) => (a.startOffsetMs ?? Infinity) - (b.startOffsetMs ?? Infinity) || a.name.localeCompare(b.name));
  const { width, label, right, top, row, bar, bottom } = LAYOUT;
  const plot = width - label - right;
  const lastEnd = Math.max(report.durationMs, ...rows.map((n) => n.endOffsetMs ?? 0));
  // Show the deadline marker when it is near enough to matter; otherwise the bars get the width.
  const showDeadline = report.deadlinePassed || report.deadlineMs <= lastEnd * 1.3;
  const span = Math.max(1, (showDeadline ? Math.max(lastEnd, report.deadlineMs) : lastEnd) * 1.05);
  const x = (ms: number): number => label + (Math.min(ms, span) / span) * plot;
  const height = top + rows.length * row + bottom;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13" role="img" aria-label="quiesce shutdown timeline">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="17" font-weight="bold" fill="#1f2328">Shutdown ${report.ok ? 'ok' : 'NOT ok'} in ${fmt(report.durationMs)}</text>`,
    `<text x="16" y="46" fill="#57606a">deadline ${fmt(report.deadlineMs)}${report.deadlinePassed ? ' — PASSED' : ''} · critical path: ${esc(report.criticalPath.join(' → ') || '–')}</text>`,
  );
  // Grid and time axis.
  for (const tick of ticks(span)) {
    out.push(
      `<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${top + rows.length * row}" stroke="#eaeef2"/>`,
      `<text x="${x(tick)}" y="${top + rows.length * row + 16}" text-anchor="middle" fill="#57606a" font-size="11">${fmt(tick)}</text>`,
    );
  }
  if (showDeadline) {
    out.push(
      `<line class="deadline" x1="${x(report.deadlineMs)}" y1="${top - 10}" x2="${x(report.deadlineMs)}" y2="${top + rows.length * row}" stroke="#d64545" stroke-dasharray="4 3"/>`,
      `<text x="${x(report.deadlineMs) - 4}" y="${top - 12}" text-anchor="end" fill="#d64545" font-size="11">deadline</text>`,
    );
  }
  rows.forEach((n, k) => out.push(renderRow(n, top + k * row, row, bar, x)));
  out.push(renderLegend(16, top + rows.length * row + 40), '</svg>');
  return out.join('\n');
}

function renderRow(n: NodeReport, y: number, row: number, bar: number, x: (ms: number) => number): string {
  const mid = y + row / 2;
  const parts = [`<g class="row" data-node="${esc(n.name)}" data-status="${n.status}" data-critical="${n.onCriticalPath}">`];
  if (n.onCriticalPath) parts.push(`<rect x="0" y="${y}" width="100%" height="${row}" fill="#fff8e1"/>`);
  parts.push(
    `<text x="${LAYOUT.label - 10}" y="${mid + 4}" text-anchor="end" fill="#1f2328"${n.onCriticalPath ? ' font-weight="bold"' : ''}>${esc(n.name)}</text>`,
  );
  if (n.startOffsetMs === null || n.endOffsetMs === null) {
    parts.push(`<text x="${LAYOUT.label + 4}" y="${mid + 4}" fill="${COLORS.skipped}" font-style="italic">skipped — ${esc(n.reason ?? '')}</text>`, '</g>');
    return parts.join('');
  }
  const start = x(n.startOffsetMs);
  const allowedEnd = x(n.startOffsetMs + n.effectiveTimeoutMs);
  const end = Math.max(x(n.endOffsetMs), start + 2);
  const tip = `${n.name}: ${n.status} in ${fmt(n.durationMs ?? 0)} (allowed ${fmt(n.effectiveTimeoutMs)}, ${n.limitedBy})${n.error ? ` — ${n.error.message}` : ''}`;
  parts.push(
    `<rect class="allowed" x="${start}" y="${mid - bar / 2 - 3}" width="${Math.max(0, allowedEnd - start)}" height="${bar + 6}" fill="#f0f3f6" rx="3"/>`,
    `<rect class="bar" x="${start}" y="${mid - bar / 2}" width="${end - start}" height="${bar}" rx="3" fill="${COLORS[n.status]}"${n.onCriticalPath ? ' stroke="#1f2328" stroke-width="2"' : ''}><title>${esc(tip)}</title></rect>`,
    `<text x="${Math.min(end + 6, LAYOUT.width - LAYOUT.right + 4)}" y="${mid + 4}" fill="#1f2328" font-size="12">${fmt(n.durationMs ?? 0)}${n.status === 'stopped' ? '' : ` ${n.status}`}</text>`,
    '</g>',
  );
  return parts.join('');
}

function renderLegend(x0: number, y: number): string {
  const items: [string, string][] = [
    ['stopped', COLORS.stopped],
    ['failed', COLORS.failed],
    ['timed out', COLORS.timedOut],
    ['allowed time', '#f0f3f6'],
  ];
  const parts = ['<g class="legend" font-size="12" fill="#57606a">'];
  let x = x0;
  for (const [name, color] of items) {
    parts.push(`<rect x="${x}" y="${y - 10}" width="14" height="12" rx="2" fill="${color}" stroke="#d0d7de"/><text x="${x + 20}" y="${y}">${name}</text>`);
    x += 40 + name.length * 7;
  }
  parts.push(`<rect x="${x}" y="${y - 10}" width="14" height="12" rx="2" fill="#fff8e1" stroke="#1f2328" stroke-width="2"/><text x="${x + 20}" y="${y}">critical path</text>`, '</g>');
  return parts.join('');
}

/** A self-contained HTML page: the chart, then the table, nothing fetched from anywhere. */
export function renderTimelineHtml(report: ReportView): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>quiesce shutdown report</title>',
    '<style>body{margin:24px;font-family:Helvetica,Arial,sans-serif;color:#1f2328}pre{background:#f6f8fa;padding:12px;border-radius:6px;font-size:12px;overflow:auto}</style>',
    '</head><body>',
    renderTimelineSvg(report),
    `<pre>${esc(report.toTable())}</pre>`,
    '</body></html>',
  ].join('\n');
}

function fmt(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms)} ms`;
}

function niceCeil(ms: number): number {
  const step = 10 ** Math.floor(Math.log10(ms));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= ms) return m * step;
  return 10 * step;
}

function ticks(span: number): number[] {
  const step = niceCeil(span / 8);
  const out: number[] = [];
  for (let t = 0; t <= span; t += step) out.push(t);
  return out;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
