import { describe, expect, it } from 'vitest';
import { LifecycleContainer } from '../src/index.js';
import { buildGraph, buildShutdownReport, type NodeOutcome, type WalkResult } from '../src/kit/main.js';

/** A report with known numbers: http (timed out, cut by budget) → api → db; metrics failed; cache never started. */
function knownReport() {
  const graph = buildGraph(['db', 'api', 'http', 'metrics', 'cache'], [[], [0], [1], [], []]);
  const o = (status: NodeOutcome['status'], beganAt: number, endedAt: number, extra: Partial<NodeOutcome> = {}): NodeOutcome => ({
    status, beganAt, endedAt, timeoutMs: 5_000, effectiveTimeoutMs: 5_000, limitedBy: 'own timeout', gatedBy: -1, ...extra,
  });
  const outcomes = [
    o('done', 1_000 + 700, 1_000 + 900, { gatedBy: 1 }),
    o('done', 1_000 + 600, 1_000 + 700, { gatedBy: 2 }),
    o('timedOut', 1_000, 1_000 + 600, { effectiveTimeoutMs: 600, limitedBy: 'budget', error: new Error('http: stop did not finish within 600 ms (budget)') }),
    o('failed', 1_000, 1_000 + 50, { error: new Error('metrics exploded') }),
    o('skipped', NaN, NaN, { reason: 'not started' }),
  ];
  const walk: WalkResult = {
    statusOf: (i) => outcomes[i]!.status,
    reasonOf: (i) => outcomes[i]!.reason,
    beganAt: 1_000,
    endedAt: 1_000 + 900,
    halted: false,
    deadlinePassed: false,
    counts: { done: 2, failed: 1, timedOut: 1, skipped: 1 },
    outcomes,
  };
  return buildShutdownReport({ graph, walk, policy: () => 'critical', deadlineMs: 1_000, startedAt: new Date(0) });
}

describe('seeing the shutdown', () => {
  it('renders the timeline SVG: one row per node in stop order, colored by status, critical path marked', () => {
    const report = knownReport();
    expect(report.criticalPath).toEqual(['http', 'api', 'db']);
    const svg = report.toSVG();
    const rows = [...svg.matchAll(/<g class="row" data-node="([^"]+)" data-status="([^"]+)" data-critical="([^"]+)"[^>]*>/g)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual([
      ['http', 'timedOut', 'true'],
      ['metrics', 'failed', 'false'],
      ['api', 'stopped', 'true'],
      ['db', 'stopped', 'true'],
      ['cache', 'skipped', 'false'],
    ]);
    const bars = [...svg.matchAll(/<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*fill="(#[0-9a-f]+)"/g)].map((m) => ({ x: Number(m[1]), w: Number(m[2]), fill: m[3] }));
    expect(bars).toHaveLength(4); // the skipped node has no bar
    expect(bars.map((b) => b.fill)).toEqual(['#e8912d', '#d64545', '#2f9e5b', '#2f9e5b']);
    // Widths are proportional to durations: http 600 ms vs api 100 ms.
    expect(bars[0]!.w / bars[2]!.w).toBeCloseTo(6, 1);
    // Bars begin where their node began: api right where http ended.
    expect(bars[2]!.x).toBeCloseTo(bars[0]!.x + bars[0]!.w, 0);
    expect(svg).toContain('skipped — not started');
    expect(svg).toContain('http: timedOut in 600 ms (allowed 600 ms, budget) — http: stop did not finish within 600 ms (budget)');
    expect(svg).toContain('critical path: http → api → db');
    expect(svg).toMatch(/class="deadline" x1="[\d.]+"/);
    const html = report.toHTML();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<(script|link)\b/); // self-contained
  });

  it('works with `await using`: the app shuts down when the scope exits', async () => {
    const stopped: string[] = [];
    {
      await using app = await LifecycleContainer.start((a) => a.resource('db', { value: 1, stop: () => void stopped.push('db') }));
      expect(app.state).toBe('running');
      expect(stopped).toEqual([]);
    }
    expect(stopped).toEqual(['db']);
  });
});
