import type { NodeStatus } from './types.js';
import { PHASE_OPACITY } from './phases.js';

// The chart's vocabulary: colors, patterns, the legend and the axis, shared by its rows.

export const COLORS: Readonly<Record<NodeStatus, string>> = {
  stopped: '#2f9e5b',
  failed: '#d64545',
  timedOut: '#e8912d',
  skipped: '#9aa1a9',
};

export const INK = '#1f2328';
export const MUTED = '#57606a';
export const TRACK = '#eef1f4';
export const DRAIN = '#6e7ea8';
export const RESERVE = '#8250df';

/** Stripes for best-effort nodes that did not stop cleanly (not ok, but not what makes the shutdown NOT ok) and reserves. */
export function defs(): string {
  return [
    '<defs>',
    '<pattern id="best-effort" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#ffffff" fill-opacity="0.55"/></pattern>',
    `<pattern id="reserve" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="2" height="5" fill="${RESERVE}" fill-opacity="0.35"/></pattern>`,
    `<marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="${INK}"/></marker>`,
    '</defs>',
  ].join('');
}

export function legend(x0: number, y: number): string {
  const swatch = (x: number, fill: string, extra = ''): string => `<rect x="${x}" y="${y - 10}" width="14" height="12" rx="2" fill="${fill}" stroke="#d0d7de"${extra}/>`;
  const items: [string, string][] = [
    [swatch(0, COLORS.stopped), 'stopped'],
    [swatch(0, COLORS.failed), 'failed'],
    [swatch(0, COLORS.timedOut), 'timed out'],
    [`${swatch(0, COLORS.failed)}${swatch(0, 'url(#best-effort)')}`, 'best effort, not clean'],
    [`${swatch(0, COLORS.stopped, ` fill-opacity="${PHASE_OPACITY.quiesce}"`)}`, 'refuse new work'],
    [`${swatch(0, COLORS.stopped, ` fill-opacity="${PHASE_OPACITY.drain}"`)}`, 'in-flight work'],
    [swatch(0, TRACK), 'time allowed'],
    [swatch(0, 'url(#reserve)'), 'reserve'],
    [swatch(0, '#fff8e1', ` stroke="${INK}" stroke-width="2"`), 'critical path'],
  ];
  const parts = [`<g class="legend" font-size="12" fill="${MUTED}">`];
  let x = x0;
  for (const [mark, name] of items) {
    parts.push(`<g transform="translate(${x} 0)">${mark}<text x="20" y="${y}">${name}</text></g>`);
    x += 34 + name.length * 6.6;
  }
  parts.push('</g>');
  return parts.join('');
}

function niceCeil(ms: number): number {
  const step = 10 ** Math.floor(Math.log10(ms));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= ms) return m * step;
  return 10 * step;
}

export function ticks(span: number): number[] {
  const step = niceCeil(span / 10);
  const out: number[] = [];
  for (let t = 0; t <= span; t += step) out.push(t);
  return out;
}

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Cut text to what fits `px` at ~6.6 px per character (12 px Helvetica), with an ellipsis. */
export function fit(text: string, px: number): string {
  const max = Math.floor(px / 6.6);
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
