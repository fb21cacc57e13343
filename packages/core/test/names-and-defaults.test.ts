import { inspect } from 'node:util';
import { injectable, preDestroy } from 'inversify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCodes, LifecycleContainer, MissingDependencyError, PLAN_WARNING, resource } from '../src/index.js';
import { sleep } from './support/timeline.js';

describe('symbol tokens print as their description', () => {
  it('in the plan, the table, the chart, the graph and errors', async () => {
    const HTTP = Symbol('http');
    const DB = Symbol('db');
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 })
      .resource(DB, { value: 1, stop: () => undefined, stopTimeoutMs: 1_000 })
      .resource(HTTP, { value: 2, dependsOn: [DB], stop: () => undefined, stopTimeoutMs: 2_000 });
    expect(app.plan().summary).toBe('http 2000 ms → db 1000 ms = 3000 ms ≤ 5000 ms');
    expect(app.graph().toMermaid()).toContain('http');
    expect(app.graph().toMermaid()).not.toContain('Symbol(');
    await app.start();
    const report = await app.shutdown();
    expect(report.nodes.map((n) => n.name)).toEqual(['db', 'http']);
    expect(report.toTable()).not.toContain('Symbol(');
    expect(report.toSVG()).toContain('data-node="http"');
    const broken = new LifecycleContainer().resource(HTTP, { value: 1, dependsOn: [Symbol('cache')] });
    expect(() => broken.validate()).toThrow(MissingDependencyError);
    expect(() => broken.validate()).toThrow(/"http" depends on "cache"/);
  });

  it('a name given wins over the description', async () => {
    const app = new LifecycleContainer().resource(Symbol('x'), { value: 1, name: 'orders-db' });
    expect(app.graph().nodes[0]!.name).toBe('orders-db');
  });
});

describe('a resource with nothing to stop costs the plan nothing', () => {
  it('hookless values, factories and classes are charged 0 ms; hooks, @preDestroy and in-flight work are charged', () => {
    @resource({ dependsOn: ['pg'] })
    @injectable()
    class Api {}
    @resource({ dependsOn: ['pg'], stopTimeoutMs: 700 })
    @injectable()
    class Cache {
      @preDestroy()
      flush(): void {}
    }
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000, defaultStopTimeoutMs: 10_000 })
      .resource('pg', { value: {}, stop: () => undefined, stopTimeoutMs: 3_000 })
      .bind(Api)
      .bind(Cache)
      .resource('config', { create: () => ({ port: 1 }), dependsOn: [Api] })
      .resource('http', { value: {}, dependsOn: ['config'], stop: () => undefined, stopTimeoutMs: 1_000 });
    const plan = app.plan();
    // http 1000 → config 0 → Api 0 → pg 3000: the hookless nodes no longer add 2 × 10 s.
    expect(plan.worstCaseMs).toBe(4_000);
    expect(plan.fits).toBe(true);
    expect(plan.summary).toBe('http 1000 ms → pg 3000 ms = 4000 ms ≤ 5000 ms');
    expect(plan.chain.map((s) => [s.name, s.stopTimeoutMs])).toEqual([['http', 1_000], ['config', 0], ['Api', 0], ['pg', 3_000]]);
    // Work tracked on a node means its stop waits for it: charged again.
    app.inFlight(Api);
    expect(app.plan().worstCaseMs).toBe(14_000);
    const cacheOnly = new LifecycleContainer({ shutdownTimeoutMs: 5_000 }).bind(Cache).resource('pg', { value: {} });
    expect(cacheOnly.plan().chain.map((s) => [s.name, s.stopTimeoutMs])).toEqual([['Cache', 700]]);
  });

  it('after start the real hooks count: a factory value that disposes itself is charged', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 30_000, defaultStopTimeoutMs: 4_000 }).resource('client', {
      create: () => ({ [Symbol.asyncDispose]: () => sleep(1) }),
    });
    expect(app.plan().worstCaseMs).toBe(0);
    await app.start();
    expect(app.plan().worstCaseMs).toBe(4_000);
    await app.shutdown();
  });
});

describe('the plan speaks without a logger', () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): number => warnings.push(w);
  afterEach(() => {
    process.off('warning', onWarning);
    warnings.length = 0;
  });

  it('a plan that does not fit and a resource planWarning become process warnings with stable codes', async () => {
    process.on('warning', onWarning);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 1_000 }).resource('slow', {
      value: 1,
      stop: () => undefined,
      stopTimeoutMs: 5_000,
      planWarning: ({ drainDelayMs }) => (drainDelayMs === 0 ? 'readiness probe without a drain delay' : undefined),
    });
    expect(app.plan().warnings).toEqual(['slow: readiness probe without a drain delay']);
    await app.start();
    await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toEqual([ErrorCodes.PlanDoesNotFitError, PLAN_WARNING]);
    expect(warnings[0]!.message).toContain('slow 5000 ms = 5000 ms > 1000 ms');
    expect(warnings[1]!.message).toBe('quiesce: slow: readiness probe without a drain delay');
    await app.shutdown();
  });

  it('prints as its summary', () => {
    const plan = new LifecycleContainer({ shutdownTimeoutMs: 5_000 }).resource('db', { value: 1, stop: () => undefined, stopTimeoutMs: 1_000 }).plan();
    expect(`${plan}`).toBe('db 1000 ms = 1000 ms ≤ 5000 ms');
    expect(inspect(plan)).toBe('ShutdownPlan fits: db 1000 ms = 1000 ms ≤ 5000 ms');
    expect(JSON.parse(JSON.stringify(plan))).toMatchObject({ fits: true, worstCaseMs: 1_000, summary: plan.summary });
  });
});

describe('logger: console', () => {
  it('prints one readable line per transition', async () => {
    const lines: unknown[][] = [];
    const spies = (['debug', 'info', 'warn', 'error'] as const).map((level) => vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args)));
    try {
      const app = new LifecycleContainer({ logger: console, shutdownTimeoutMs: 2_000 })
        .resource('db', { value: 1, stop: () => sleep(5) })
        .resource('api', { value: 1, dependsOn: ['db'], stop: () => Promise.reject(new Error('socket hang up')), policy: 'bestEffort' });
      await app.start();
      await app.shutdown();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const args of lines) {
      expect(args).toHaveLength(1);
      expect(typeof args[0]).toBe('string');
      expect(args[0]).not.toContain('\n');
    }
    const text = lines.map((l) => l[0]);
    expect(text).toContain('quiesce: api failed in ' + /api failed in ([\d.]+) ms/.exec(text.join('\n'))![1] + ' ms: socket hang up');
    expect(text.some((t) => /^quiesce: db stopped in [\d.]+ ms$/.test(t as string))).toBe(true);
  });
});
