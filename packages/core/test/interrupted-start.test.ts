import { describe, expect, it, vi } from 'vitest';
import { LifecycleContainer, StartAbortedError } from '../src/index.js';
import { Timeline, fake, sleep } from './support/timeline.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('2. an interrupted start leaves nothing running and nothing waiting', () => {
  it('a SIGTERM 20 ms into start(), with a start hook that ignores its abort: what started is stopped in order, start() rejects as soon as shutdown finishes, no timer left', async () => {
    const t = new Timeline();
    const baseline = timers();
    const app = new LifecycleContainer({ shutdownTimeoutMs: 2_000 })
      .resource('config', fake(t, 'config'))
      .resource('db', { ...fake(t, 'db', 10), dependsOn: ['config'] })
      // Ignores ctx.signal and never settles (startTimeoutMs stays at its 30 s default).
      .resource('broker', { ...fake(t, 'broker', 0, 'hang'), dependsOn: ['db'], stopTimeoutMs: 300 })
      .resource('api', { ...fake(t, 'api'), dependsOn: ['broker'] });
    let rejectedAt = 0;
    const starting = app.start().catch((e: unknown) => ((rejectedAt = performance.now()), e));
    await sleep(20);
    const began = performance.now();
    const report = await app.shutdown();
    const tookMs = performance.now() - began;
    expect(await starting).toBeInstanceOf(StartAbortedError);
    expect(rejectedAt - began).toBeLessThan(tookMs + 50);
    expect(report.node('db')!.status).toBe('stopped');
    expect(report.node('config')!.status).toBe('stopped');
    expect(t.order('stop')).toEqual(['db', 'config']);
    expect(report.node('broker')).toMatchObject({ status: 'timedOut', error: { name: 'StartNotSettledError' } });
    expect(report.node('api')).toMatchObject({ status: 'skipped', reason: 'not started' });
    // broker is waited for at most its stop time (300 ms), not its 30 s start timeout.
    expect(tookMs).toBeLessThan(1_000);
    expect(report.deadlinePassed).toBe(false);
    expect(timers()).toBeLessThanOrEqual(baseline);
  });

  it('a start that honours its abort by rejecting is reported as not started, its dependencies stopped', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer()
      .resource('db', fake(t, 'db'))
      .resource('broker', {
        ...fake(t, 'broker', 0, (ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))),
        dependsOn: ['db'],
      });
    const starting = app.start().catch((e: unknown) => e);
    await sleep(20);
    const report = await app.shutdown();
    expect(await starting).toBeInstanceOf(StartAbortedError);
    expect(report.node('broker')).toMatchObject({ status: 'skipped', reason: 'its start was interrupted and did not complete' });
    expect(report.node('db')!.status).toBe('stopped');
    expect(t.count('broker', 'stop')).toBe(0);
    expect(report.ok).toBe(true);
  });

  it('a shutdown called synchronously right after start() starts nothing', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer().resource('db', fake(t, 'db'));
    const starting = app.start().catch((e: unknown) => e);
    const report = await app.shutdown();
    expect(await starting).toBeInstanceOf(StartAbortedError);
    expect(t.count('db', 'start')).toBe(0);
    expect(t.count('db', 'stop')).toBe(0);
    expect(report.node('db')!.status).toBe('skipped');
  });

  it('an interrupted start is not given a drain delay: it was never ready', async () => {
    const app = new LifecycleContainer({ drainDelayMs: 1_000 }).resource('db', { value: 1, start: () => sleep(200) });
    const starting = app.start().catch(() => undefined);
    await sleep(20);
    const began = performance.now();
    await app.shutdown();
    expect(performance.now() - began).toBeLessThan(600);
    await starting;
  });
});

describe('3. exactly once, always', () => {
  it('a start that resolves when aborted is treated as started and stopped exactly once', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer()
      .resource('db', fake(t, 'db'))
      .resource('server', { ...fake(t, 'server', 0, (ctx) => new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()))), dependsOn: ['db'] });
    const starting = app.start().catch((e: unknown) => e);
    await sleep(20);
    const report = await app.shutdown();
    await starting;
    await sleep(50);
    expect(t.count('server', 'stop')).toBe(1);
    expect(report.node('server')!.status).toBe('stopped');
    expect(t.at('db', 'stop', 'begin')).toBeGreaterThanOrEqual(t.at('server', 'stop', 'end'));
  });

  it('a start that ignores its abort and completes after the shutdown gave up on it is released once, late, and logged', async () => {
    const t = new Timeline();
    const warn = vi.fn();
    const app = new LifecycleContainer({ logger: { info: () => {}, warn, error: () => {} } })
      .resource('server', { ...fake(t, 'server', 0, 150), stopTimeoutMs: 50 });
    const starting = app.start().catch((e: unknown) => e);
    await sleep(20);
    const report = await app.shutdown();
    expect(report.node('server')!.status).toBe('timedOut');
    expect(t.count('server', 'stop')).toBe(0);
    await starting;
    await sleep(200);
    expect(t.count('server', 'stop')).toBe(1);
    expect(warn.mock.calls.map((c) => c[1]).join('\n')).toMatch(/server finished starting after it was given up on/);
  });

  it('a late completion during the shutdown is released inside the deadline and noted in the report', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer({ shutdownTimeoutMs: 2_000 })
      .resource('db', { ...fake(t, 'db', 300), stopTimeoutMs: 1_000 })
      // A 5 ms stop under a 60 ms limit: the late release has 12× its need on a loaded machine
      // (30 ms was too little there once), and the 120 ms start still outlasts the walk's cut.
      .resource('server', { ...fake(t, 'server', 5, 120), stopTimeoutMs: 60 })
      .resource('worker', { ...fake(t, 'worker'), dependsOn: [] });
    const starting = app.start().catch((e: unknown) => e);
    await sleep(20);
    const report = await app.shutdown();
    await starting;
    expect(t.count('server', 'stop')).toBe(1);
    expect(report.node('server')!.status).toBe('timedOut');
    expect(report.node('server')!.note).toMatch(/released late: stopped in \d+ ms/);
  });

  it('an alias and an adopted binding of one instance: one stop across a failed start and later shutdown() calls', async () => {
    let stops = 0;
    const app = new LifecycleContainer()
      .resource('db', { value: { id: 1 }, stop: () => void stops++ })
      .alias('database', 'db')
      .resource('api', { value: 2, dependsOn: ['database'], start: () => { throw new Error('boom'); } });
    await expect(app.start()).rejects.toThrow(/boom/);
    await app.shutdown();
    await app.shutdown();
    expect(stops).toBe(1);
  });
});
