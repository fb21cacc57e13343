import { describe, expect, it } from 'vitest';
import { InFlight, LifecycleContainer, ShuttingDownError } from '../src/index.js';
import { sleep } from './support/timeline.js';

describe('in-flight work (the WaitGroup)', () => {
  it('counts work, refuses new work once closed, and drains to zero', async () => {
    const group = new InFlight('api');
    const done = group.track();
    const running = group.run(() => sleep(30).then(() => 'result'));
    expect(group.active).toBe(2);
    group.close();
    expect(() => group.track()).toThrowError(ShuttingDownError);
    await expect(group.run(() => 1)).rejects.toThrow('"api" is shutting down and accepts no new work');
    const drained = group.drain();
    done();
    done(); // idempotent
    expect(group.active).toBe(1);
    await expect(running).resolves.toBe('result');
    await expect(drained).resolves.toBe(true);
    expect(group.active).toBe(0);
  });

  it('drain gives up when its signal aborts', async () => {
    const group = new InFlight('worker');
    group.track();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(group.drain(controller.signal)).resolves.toBe(false);
  });

  it('with no drain delay, work submitted in the same tick as shutdown() is refused (no await lets one more in)', async () => {
    const app = new LifecycleContainer().resource('db', { value: 'db', stop: () => undefined });
    await app.start();
    const group = app.inFlight('db');
    const shutdown = app.shutdown();
    expect(group.closed).toBe(true);
    expect(() => group.track()).toThrowError(ShuttingDownError);
    expect((await shutdown).ok).toBe(true);
  });

  it('with a drain delay, work is still accepted during the drain and refused once the node stops', async () => {
    const app = new LifecycleContainer({ drainDelayMs: 40 }).resource('db', { value: 'db', stop: () => undefined });
    await app.start();
    const group = app.inFlight('db');
    const shutdown = app.shutdown();
    expect(group.closed).toBe(false);
    group.track()();
    const report = await shutdown;
    expect(group.closed).toBe(true);
    expect(report.drain.durationMs).toBeGreaterThanOrEqual(30);
  });

  it("a node's stop refuses new work, waits for in-flight work, then calls stop", async () => {
    const steps: string[] = [];
    const app = new LifecycleContainer()
      .resource('db', { value: 'db', stop: () => void steps.push('db stop') })
      .resource('api', {
        value: 'api',
        dependsOn: ['db'],
        quiesce: () => void steps.push('api quiesce'),
        stop: (_v, ctx) => void steps.push(`api stop (active ${ctx.inFlight.active})`),
      });
    await app.start();
    const work = app.inFlight('api');
    const request = work.run(async () => {
      await sleep(60);
      steps.push('request done');
    });
    const report = await app.shutdown();
    await request;
    expect(steps).toEqual(['api quiesce', 'request done', 'api stop (active 0)', 'db stop']);
    expect(report.ok).toBe(true);
    expect(() => work.track()).toThrowError(ShuttingDownError);
  });

  it('in-flight work that never finishes is bounded by the node timeout', async () => {
    const app = new LifecycleContainer().resource('api', { value: 1, stopTimeoutMs: 50 });
    await app.start();
    app.inFlight('api').track();
    const report = await app.shutdown();
    expect(report.node('api')!.status).toBe('timedOut');
  });
});
