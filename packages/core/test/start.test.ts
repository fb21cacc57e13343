import { describe, expect, it } from 'vitest';
import { LifecycleContainer, NodeTimeoutError, StartError } from '../src/index.js';
import { Timeline, fake } from './support/timeline.js';
import { collectingUnhandled } from './support/unhandled.js';

describe('start', () => {
  it('starts dependencies before dependents and independent nodes concurrently', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer()
      .resource('config', fake(t, 'config', 0, 20))
      .resource('db', { ...fake(t, 'db', 0, 60), dependsOn: ['config'] })
      .resource('cache', { ...fake(t, 'cache', 0, 60), dependsOn: ['config'] })
      .resource('api', { ...fake(t, 'api', 0, 10), dependsOn: ['db', 'cache'] });
    const began = performance.now();
    await app.start();
    const took = performance.now() - began;
    expect(t.at('db', 'start', 'begin')).toBeGreaterThanOrEqual(t.at('config', 'start', 'end'));
    expect(t.at('api', 'start', 'begin')).toBeGreaterThanOrEqual(Math.max(t.at('db', 'start', 'end'), t.at('cache', 'start', 'end')));
    // db and cache overlap: 20 + 60 + 10 = 90 ms critical path, not 150 ms serial.
    expect(t.at('cache', 'start', 'begin')).toBeLessThan(t.at('db', 'start', 'end'));
    // The overlap above is the proof of concurrency; this only says nothing hung (a loaded machine runs timers late).
    expect(took).toBeLessThan(1_000);
    expect(app.state).toBe('running');
    expect(app.health()).toMatchObject({ ready: true, live: true });
    await app.shutdown();
  });

  it('on a failing start, stops what started in reverse order and names the failing node', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer()
      .resource('config', fake(t, 'config'))
      .resource('db', { ...fake(t, 'db'), dependsOn: ['config'] })
      .resource('cache', { ...fake(t, 'cache', 0, 'throw'), dependsOn: ['config'] })
      .resource('api', { ...fake(t, 'api'), dependsOn: ['db', 'cache'] });
    const error = await app.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).node).toBe('cache');
    expect((error as StartError).message).toContain('Start failed at "cache": cache start exploded');
    expect(t.count('api', 'start')).toBe(0);
    expect(t.order('stop')).toEqual(['db', 'config']);
    const rollback = (error as StartError).rollback;
    expect(rollback.node('db')?.status).toBe('stopped');
    expect(rollback.node('cache')?.status).toBe('skipped');
    expect(rollback.node('api')?.reason).toBe('not started');
    // A later shutdown() returns that same rollback report instead of stopping twice.
    expect(await app.shutdown()).toBe(rollback);
    expect(t.count('db', 'stop')).toBe(1);
  });

  it('times out a hung start, aborts its signal and rolls back', async () => {
    const t = new Timeline();
    let aborted: unknown;
    const app = new LifecycleContainer()
      .resource('db', fake(t, 'db'))
      .resource('broker', {
        ...fake(t, 'broker', 0, (ctx) => new Promise<void>((_resolve, reject) => ctx.signal.addEventListener('abort', () => { aborted = ctx.signal.reason; reject(ctx.signal.reason); }))),
        startTimeoutMs: 50,
        dependsOn: ['db'],
      });
    const error = (await app.start().catch((e: unknown) => e)) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect(error.node).toBe('broker');
    expect(error.cause).toBeInstanceOf(NodeTimeoutError);
    expect(aborted).toBeInstanceOf(NodeTimeoutError);
    expect(t.order('stop')).toEqual(['db']);
  });

  it('a shutdown during start stops only what started', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer()
      .resource('db', fake(t, 'db'))
      .resource('slow', { ...fake(t, 'slow', 0, (ctx) => new Promise((r) => { const h = setTimeout(r, 5_000); ctx.signal.addEventListener('abort', () => { clearTimeout(h); r(undefined); }); })), dependsOn: ['db'] })
      .resource('api', { ...fake(t, 'api'), dependsOn: ['slow'] });
    const starting = app.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(app.state).toBe('starting');
    const report = await app.shutdown();
    await expect(starting).rejects.toThrow(/interrupted by shutdown/);
    expect(t.count('api', 'start')).toBe(0);
    expect(t.count('api', 'stop')).toBe(0);
    expect(t.count('db', 'stop')).toBe(1);
    expect(report.node('api')?.status).toBe('skipped');
    expect(report.node('db')?.status).toBe('stopped');
  });

  it('constructs class resources lazily in dependency order and resolves async factories', async () => {
    const made: string[] = [];
    const app = new LifecycleContainer()
      .resource('pool', { create: async () => { made.push('pool'); await new Promise((r) => setTimeout(r, 5)); return { queries: 0 }; } })
      .resource('repo', { create: ({ get }) => { made.push('repo'); return { pool: get<{ queries: number }>('pool') }; }, dependsOn: ['pool'] });
    await app.start();
    expect(made).toEqual(['pool', 'repo']);
    expect(app.get<{ pool: { queries: number } }>('repo').pool).toEqual({ queries: 0 });
    await app.shutdown();
  });
});

describe('async factories', () => {
  it('a rejecting async create fails start() naming the node, with no unhandled rejection', async () => {
    await collectingUnhandled(async (unhandled) => {
      const app = new LifecycleContainer().resource('broker', {
        create: async () => {
          await new Promise((r) => setTimeout(r, 5));
          throw new Error('connection refused');
        },
      });
      const error = await app.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartError);
      expect((error as StartError).message).toContain('Start failed at "broker": connection refused');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    });
  });

  it('a resource without inversify teardown hooks keeps its instance after shutdown', async () => {
    const app = new LifecycleContainer().resource('pool', { create: async () => ({ id: Math.random() }), stop: () => undefined });
    await app.start();
    const before = await app.container.getAsync('pool');
    await app.shutdown();
    expect(app.get('pool')).toBe(before);
  });
});

describe('starts that finish after they were given up on', () => {
  it('a start completing after its timeout is stopped once, by the rollback, in its report', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer().resource('server', { ...fake(t, 'server', 0, 150), startTimeoutMs: 40 });
    const error = (await app.start().catch((e: unknown) => e)) as StartError;
    expect(error).toBeInstanceOf(StartError);
    // The rollback waited for the late start and stopped it in order: in the report, not after it.
    expect(t.count('server', 'start', 'end')).toBe(1);
    expect(t.count('server', 'stop')).toBe(1);
    expect(error.rollback.node('server')).toMatchObject({ status: 'stopped' });
    expect(error.rollback.node('server')!.note).toMatch(/waited \d+ ms for the start to complete/);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.count('server', 'stop')).toBe(1);
  });

  it('an async factory resolving after the timeout never has its start hook called, and is stopped', async () => {
    const calls: string[] = [];
    const app = new LifecycleContainer().resource('pool', {
      create: () => new Promise<{ id: number }>((r) => setTimeout(() => r({ id: 1 }), 120)),
      start: () => void calls.push('start'),
      stop: () => void calls.push('stop'),
      startTimeoutMs: 30,
    });
    await expect(app.start()).rejects.toBeInstanceOf(StartError);
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toEqual(['stop']);
  });
});
