import { describe, expect, it } from 'vitest';
import { LifecycleContainer, StartAbortedError, StartError } from '../src/index.js';
import { Timeline, fake, sleep } from './support/timeline.js';
import { collectingUnhandled } from './support/unhandled.js';

// Holes a fresh-eyes review found in the promises after the first round of issue 14, each pinned.

describe('exactly once, across late releases and rollbacks', () => {
  it('a late release that finished before the rollback reached its node is not stopped again', async () => {
    let stops = 0;
    const app = new LifecycleContainer()
      .resource('a', { value: {}, startTimeoutMs: 50, start: () => sleep(100), stop: () => void stops++ })
      .resource('b', { value: {}, start: () => sleep(300), stop: () => undefined });
    const error = (await app.start().catch((e: unknown) => e)) as StartError;
    expect(error).toBeInstanceOf(StartError);
    await sleep(50);
    expect(stops).toBe(1);
    expect(error.rollback.node('a')!.status).toBe('stopped');
  });

  it('a late release that began before the rollback is bounded by the rollback deadline, not its own stop timeout', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 300 })
      .resource('a', { value: {}, startTimeoutMs: 40, stopTimeoutMs: 2_000, start: () => sleep(80), stop: () => new Promise(() => {}) })
      .resource('b', { value: {}, start: () => sleep(150), stop: () => undefined });
    const began = performance.now();
    const error = (await app.start().catch((e: unknown) => e)) as StartError;
    // start timeout 40 + the rest of b's start given up at once + a rollback bounded by 300 ms.
    expect(performance.now() - began).toBeLessThan(1_000);
    expect(error.rollback.node('a')!.status).toBe('timedOut');
  });

  it('definitions sharing one value: stopped once, and the second node\'s report says by whom', async () => {
    const calls: string[] = [];
    const shared = {};
    const app = new LifecycleContainer()
      .resource('a', { value: shared, stop: () => void calls.push('a.stop') })
      .resource('b', { value: shared, dependsOn: ['a'], stop: () => void calls.push('b.stop') });
    await app.start();
    const report = await app.shutdown();
    expect(calls).toEqual(['a.stop']);
    expect(report.node('b')!.note).toBe('the same instance as a: started and stopped once, by that node');
  });

  it('a throwing logger loses no late release', async () => {
    let stops = 0;
    const boom = () => { throw new Error('logger down'); };
    const app = new LifecycleContainer({ logger: { info: boom, warn: boom, error: boom } })
      .resource('api', { value: {}, stopTimeoutMs: 30, start: () => sleep(120), stop: () => void stops++ });
    await collectingUnhandled(async (unhandled) => {
      const starting = app.start().catch((e: unknown) => e);
      await sleep(20);
      await app.shutdown();
      expect(await starting).toBeInstanceOf(StartAbortedError);
      await sleep(200);
      expect(stops).toBe(1);
      expect(unhandled).toEqual([]);
    });
  });
});

describe('shutdown() from inside the start walk', () => {
  it("from a 'starting' listener: the node never begins, so nothing is left running and the report is true", async () => {
    const t = new Timeline();
    const app = new LifecycleContainer().resource('db', fake(t, 'db', 0, 50));
    let inner: ReturnType<LifecycleContainer['shutdown']> | undefined;
    app.on('starting', () => void (inner ??= app.shutdown()));
    const starting = app.start().catch((e: unknown) => e);
    await sleep(10);
    const report = await inner!;
    expect(await starting).toBeInstanceOf(StartAbortedError);
    await sleep(80);
    expect(t.count('db', 'start')).toBe(0);
    expect(report.node('db')!.status).toBe('skipped');
    expect(report.ok).toBe(true);
  });

  it('called synchronously inside a start hook that then completes later: start() rejects when the shutdown ends, and the late start is stopped once', async () => {
    let stops = 0;
    let starts = 0;
    const app: LifecycleContainer = new LifecycleContainer({ shutdownTimeoutMs: 200 }).resource('db', {
      value: {},
      stopTimeoutMs: 5_000,
      start: () => {
        void app.shutdown();
        return sleep(400).then(() => void starts++);
      },
      stop: () => void stops++,
    });
    const began = performance.now();
    const error = await app.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartAbortedError);
    expect(performance.now() - began).toBeLessThan(350);
    await sleep(350);
    expect(starts).toBe(1);
    expect(stops).toBe(1);
  });
});
