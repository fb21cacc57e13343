import { describe, expect, it } from 'vitest';
import { LifecycleContainer, ShutdownReport, type HookContext } from '../src/index.js';
import { troubledShutdown } from './support/troubled.js';

describe('the report explains every wait and every cut', () => {
  it("splits each node's stop into its parts, with durations and the in-flight count", async () => {
    const { report, cache } = await troubledShutdown();
    const http = report.node('http')!;
    expect(http.phases!.map((p) => p.phase)).toEqual(['quiesce', 'drain', 'stop']);
    const [quiesce, drain, stop] = http.phases!;
    expect(quiesce!.durationMs).toBeGreaterThanOrEqual(15);
    expect(drain!.inFlight).toBe(2);
    // The second request ended ~80 ms after quiesce began, long after quiesce ended.
    expect(drain!.durationMs).toBeGreaterThan(20);
    expect(stop!.startOffsetMs).toBeCloseTo(drain!.startOffsetMs + drain!.durationMs, 0);
    expect(stop!.startOffsetMs + stop!.durationMs).toBeCloseTo(http.endOffsetMs!, 0);
    expect(report.node('cache')!.phases!.map((p) => p.phase)).toEqual(['stop', 'deactivate']);
    expect(report.node('cache')!.phases![1]!.durationMs).toBeGreaterThanOrEqual(10);
    expect(cache.flushed).toBe(true);
    // A node with no stop hook did nothing: no parts.
    expect(report.node('api')!.phases).toBeUndefined();
  });

  it('names what released each node, and says where a timed-out node was cut and what was open', async () => {
    const { report } = await troubledShutdown();
    expect(report.node('api')!.waitedFor).toBe('http');
    expect(report.node('http')!.waitedFor).toBeUndefined();
    // pg waits for every dependent: the last one to settle (queue, cut at 400 ms: well after cache, even on a loaded machine) released it.
    expect(report.node('pg')!.waitedFor).toBe('queue');
    const queue = report.node('queue')!;
    expect(queue.status).toBe('timedOut');
    expect(queue.cut).toEqual({ phase: 'drain', open: ['1 in-flight unit of work', '3 unacked deliveries'] });
    expect(report.ok).toBe(false);
    expect(report.failedNodes).toEqual(['queue']); // metrics failed too, but it is best effort
    expect(report.warnings).toEqual(['metrics (best effort) failed: push gateway refused']);
  });

  it('makes the drain delay a phase of its own: JSON field, table row, chart row; nodes begin after it', async () => {
    const { report } = await troubledShutdown();
    expect(report.drain.configuredMs).toBe(60);
    expect(report.drain.durationMs).toBeGreaterThanOrEqual(59);
    const first = Math.min(...report.nodes.filter((n) => n.startOffsetMs !== null).map((n) => n.startOffsetMs!));
    expect(first).toBeGreaterThanOrEqual(report.drain.durationMs - 0.1);
    const json = report.toJSON();
    expect(json.drain).toEqual(report.drain);
    expect(report.toTable()).toMatch(/\(drain delay\)\s+done\s+0 ms\s+\d+ ms\s+60 ms/);
    expect(report.toSVG()).toMatch(/<g class="drain" data-duration="[\d.]+">/);
  });

  it('rounds every number in the JSON to 0.1 ms', async () => {
    const { report } = await troubledShutdown();
    const numbers: number[] = [];
    JSON.stringify(report.toJSON(), (_key, value: unknown) => (typeof value === 'number' && numbers.push(value), value));
    expect(numbers.length).toBeGreaterThan(40);
    for (const n of numbers) expect(Math.abs(n * 10 - Math.round(n * 10))).toBeLessThan(1e-6);
  });

  it('draws it: header with the service, start time and culprits; parts, cut text, links, best effort striped', async () => {
    const { report } = await troubledShutdown();
    const svg = report.toSVG();
    expect(svg).toContain('orders-api: shutdown NOT ok in');
    expect(svg).toContain('queue timedOut (cut in in-flight work: 1 in-flight unit of work, 3 unacked deliveries still open)');
    expect(svg).toContain(`started ${report.startedAt.toISOString()}`);
    expect([...svg.matchAll(/class="phase" data-phase="(\w+)"/g)].map((m) => m[1])).toEqual(expect.arrayContaining(['quiesce', 'drain', 'stop', 'deactivate']));
    // The error is visible text, not only a tooltip.
    expect(svg).toMatch(/<text class="why"[^>]*>✕ metrics: stop failed|<text class="why"[^>]*>✕ push gateway refused/);
    expect(svg).toMatch(/data-node="metrics" data-status="failed" data-critical="false" data-policy="bestEffort"/);
    expect(svg).toContain('fill="url(#best-effort)"');
    // Configured timeout and reserve are drawn; the critical path's release links are arrows.
    expect(svg).toContain('timeout 400 ms');
    expect(svg).toContain('reserve 200 ms');
    expect(svg).toMatch(/class="link critical" data-from="queue" data-to="pg"/);
  });

  it('a report read back from its JSON renders the same table and chart', async () => {
    const { report } = await troubledShutdown();
    const again = ShutdownReport.fromJSON(JSON.parse(JSON.stringify(report)));
    expect(again.toTable()).toBe(report.toTable());
    expect(again.toSVG()).toBe(report.toSVG());
    expect(again.failedNodes).toEqual(['queue']);
  });

  it('a zero-length stop still gets a visible mark', async () => {
    const app = new LifecycleContainer().resource('instant', { value: {}, stop: () => undefined });
    await app.start();
    const svg = (await app.shutdown()).toSVG();
    expect(svg).toMatch(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="(\d+(\.\d+)?)"/);
    const width = Number(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/.exec(svg)![1]);
    expect(width).toBeGreaterThanOrEqual(3);
  });

  it('pending() that throws is reported, not fatal', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 2_000 }).resource('stuck', {
      value: {},
      stopTimeoutMs: 50,
      pending: () => {
        throw new Error('no idea');
      },
      stop: (_v, ctx: HookContext) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => setTimeout(resolve, 500))),
    });
    await app.start();
    const report = await app.shutdown();
    expect(report.node('stuck')!.cut).toEqual({ phase: 'stop', open: ['pending() threw: no idea'] });
  });
});

describe('pending() on a plain value', () => {
  it('a value whose only hook is pending() still says what was open when a definition stop is cut', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 2_000 }).resource('feed', {
      value: { pending: () => '4 sockets still open' },
      stopTimeoutMs: 40,
      stop: (_v, ctx: HookContext) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve())),
    });
    await app.start();
    const report = await app.shutdown();
    expect(report.node('feed')!.cut).toEqual({ phase: 'stop', open: ['4 sockets still open'] });
  });
});

describe('pending() during the drain delay', () => {
  it('names the drain delay itself, then the nodes once they stop', async () => {
    const app = new LifecycleContainer({ drainDelayMs: 150, shutdownTimeoutMs: 2_000 }).resource('db', {
      value: {},
      stop: () => new Promise<void>((resolve) => setTimeout(resolve, 100)),
    });
    await app.start();
    const done = app.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(app.pending()).toEqual([{ name: '(drain delay)', phase: 'drain', forMs: expect.any(Number) }]);
    await new Promise((resolve) => setTimeout(resolve, 170));
    expect(app.pending().map((p) => [p.name, p.phase])).toEqual([['db', 'stop']]);
    await done;
  });
});
