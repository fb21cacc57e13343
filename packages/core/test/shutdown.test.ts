import { describe, expect, it } from 'vitest';
import { LifecycleContainer, NodeTimeoutError, StartAbortedError, resource } from '../src/index.js';
import { fakeClock } from '../src/kit/main.js';
import { Timeline, fake, sleep } from './support/timeline.js';
import { collectingUnhandled } from './support/unhandled.js';

async function started(build: (app: LifecycleContainer) => void, options = {}) {
  const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000, ...options });
  build(app);
  await app.start();
  return app;
}

describe('shutdown stops dependents before dependencies', () => {
  it('stops in reverse dependency order', async () => {
    const t = new Timeline();
    const app = await started((a) =>
      a
        .resource('db', fake(t, 'db', 10))
        .resource('repo', { ...fake(t, 'repo', 10), dependsOn: ['db'] })
        .resource('api', { ...fake(t, 'api', 10), dependsOn: ['repo'] }),
    );
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(t.order('stop')).toEqual(['api', 'repo', 'db']);
    expect(t.at('repo', 'stop', 'begin')).toBeGreaterThanOrEqual(t.at('api', 'stop', 'end'));
    expect(report.nodes.map((n) => n.status)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(report.criticalPath).toEqual(['api', 'repo', 'db']);
  });

  it('stops independent branches concurrently: a wide graph takes about its critical path', async () => {
    const t = new Timeline();
    const app = await started((a) => {
      a.resource('db', fake(t, 'db', 100));
      for (let i = 0; i < 10; i++) a.resource(`worker${i}`, { ...fake(t, `worker${i}`, 100), dependsOn: ['db'] });
    });
    const report = await app.shutdown();
    // Critical path is 2 × 100 ms; serial would be 1100 ms.
    expect(report.durationMs).toBeGreaterThanOrEqual(195);
    expect(report.durationMs).toBeLessThan(600);
    const workersEnd = Math.max(...Array.from({ length: 10 }, (_, i) => t.at(`worker${i}`, 'stop', 'end')));
    expect(t.at('db', 'stop', 'begin')).toBeGreaterThanOrEqual(workersEnd);
  });
});

describe('a hung stop', () => {
  it('is timedOut after its own timeout, its dependencies still stop, unrelated branches are not delayed', async () => {
    const clock = fakeClock(); // exact: the timeout is 150 ms, db begins 150 ms after http
    const t = new Timeline(clock);
    let abortReason: unknown;
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000, clock });
    app
      .resource('db', fake(t, 'db', 5))
      .resource('http', {
        ...fake(t, 'http', (ctx) => {
          ctx.signal.addEventListener('abort', () => (abortReason = ctx.signal.reason));
          return new Promise(() => {});
        }),
        stopTimeoutMs: 150,
        dependsOn: ['db'],
      })
      .resource('metrics', fake(t, 'metrics', 10));
    await clock.run(app.start());
    const report = await clock.run(app.shutdown());
    const http = report.node('http')!;
    expect(http.durationMs).toBe(150);
    expect(t.at('db', 'stop', 'begin') - t.at('http', 'stop', 'begin')).toBe(150);
    expect(report.node('metrics')!.endOffsetMs).toBe(10);
    expect(http.status).toBe('timedOut');
    expect(http.error?.name).toBe('NodeTimeoutError');
    expect(http.error?.message).toContain('http: stop did not finish within 150 ms');
    expect(http.durationMs!).toBeGreaterThanOrEqual(145);
    expect(abortReason).toBeInstanceOf(NodeTimeoutError);
    expect(report.node('db')!.status).toBe('stopped');
    expect(t.at('db', 'stop', 'begin') - t.at('http', 'stop', 'begin')).toBeGreaterThanOrEqual(145);
    // metrics does not wait for http's timeout.
    expect(report.node('metrics')!.endOffsetMs!).toBeLessThan(100);
    expect(report.ok).toBe(false);
    expect(report.toTable()).toMatch(/http\s+timedOut/);
  });

  it('ignores a late answer from a timed-out stop: the report does not change and nothing is unhandled', async () => {
    await collectingUnhandled(async (unhandled) => {
      const app = await started((a) =>
        a.resource('late', { value: 1, stop: () => sleep(120).then(() => { throw new Error('too late'); }), stopTimeoutMs: 30 }),
      );
      const report = await app.shutdown();
      const before = JSON.stringify(report.toJSON());
      await sleep(200);
      expect(JSON.stringify(report.toJSON())).toBe(before);
      expect(report.node('late')!.status).toBe('timedOut');
      expect(unhandled).toEqual([]);
    });
  });
});

describe('failures are collected, never thrown mid-teardown', () => {
  it('a throwing stop is failed with its error; the rest still stop', async () => {
    const t = new Timeline();
    const app = await started((a) =>
      a
        .resource('db', fake(t, 'db'))
        .resource('api', { ...fake(t, 'api', 'throw'), dependsOn: ['db'] })
        .resource('cache', fake(t, 'cache')),
    );
    const report = await app.shutdown();
    expect(report.ok).toBe(false);
    expect(report.node('api')).toMatchObject({ status: 'failed', error: { message: 'api stop exploded' } });
    expect(report.node('db')!.status).toBe('stopped');
    expect(report.node('cache')!.status).toBe('stopped');
    expect(() => report.throwIfFailed()).toThrowError(/api failed/);
  });

  it('a synchronous throw is collected the same way', async () => {
    const app = await started((a) => a.resource('x', { value: 1, stop: () => { throw new TypeError('sync'); } }));
    const report = await app.shutdown();
    expect(report.node('x')).toMatchObject({ status: 'failed', error: { name: 'TypeError', message: 'sync' } });
  });

  it('a bestEffort node failing is a warning: the report stays ok', async () => {
    const t = new Timeline();
    const app = await started((a) =>
      a.resource('db', fake(t, 'db')).resource('metrics', { ...fake(t, 'metrics', 'throw'), policy: 'bestEffort', dependsOn: ['db'] }),
    );
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual(['metrics (best effort) failed: metrics stop exploded']);
  });
});

describe('the global deadline bounds everything', () => {
  it('cuts running nodes and skips those that could not begin', async () => {
    const t = new Timeline();
    const app = await started(
      (a) =>
        a
          .resource('db', fake(t, 'db'))
          .resource('api', { ...fake(t, 'api', 'hang'), stopTimeoutMs: 10_000, dependsOn: ['db'] }),
      { shutdownTimeoutMs: 200, budget: false },
    );
    const began = performance.now();
    const report = await app.shutdown();
    expect(performance.now() - began).toBeLessThan(600);
    expect(report.deadlinePassed).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.node('api')).toMatchObject({ status: 'timedOut', limitedBy: 'global deadline' });
    expect(report.node('db')).toMatchObject({ status: 'skipped', reason: 'global deadline passed before it could begin' });
    expect(t.count('db', 'stop')).toBe(0);
  });
});

describe('shutdown is idempotent', () => {
  it('concurrent and repeated calls share one run and one report', async () => {
    const t = new Timeline();
    const app = await started((a) => a.resource('db', fake(t, 'db', 20)));
    const [a, b] = await Promise.all([app.shutdown(), app.shutdown()]);
    const c = await app.shutdown();
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(t.count('db', 'stop')).toBe(1);
  });

  it('shutdown before start reports every node as not started', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer().resource('db', fake(t, 'db'));
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('db')).toMatchObject({ status: 'skipped', reason: 'not started' });
    await expect(app.start()).rejects.toMatchObject({ code: 'QUIESCE_CONTAINER_SHUT_DOWN', message: expect.stringMatching(/^start\(\) after shutdown\(\): this container is stopped/) });
  });
});

describe('disposal and exactly-once', () => {
  it('disposes resources that only implement Symbol.asyncDispose / Symbol.dispose', async () => {
    const log: string[] = [];
    @resource()
    class AsyncOnly {
      async [Symbol.asyncDispose]() {
        await sleep(5);
        log.push('async');
      }
    }
    const syncOnly = { [Symbol.dispose]: () => log.push('sync') };
    const app = await started((a) => a.bind(AsyncOnly).resource('sync', { value: syncOnly, dependsOn: [AsyncOnly] }));
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(log).toEqual(['sync', 'async']);
  });

  it('an instance bound under several tokens is started and stopped once', async () => {
    let stops = 0;
    let starts = 0;
    @resource()
    class Pool {
      start() { starts++; }
      stop() { stops++; }
    }
    const shared = new Pool();
    const app = await started((a) =>
      a
        .bind(Pool)
        .alias('pool', Pool)
        .resource('same-object', { value: shared, stop: (p) => p.stop() })
        .resource('also-same-object', { value: shared, stop: (p) => p.stop() }),
    );
    expect(app.get('pool')).toBe(app.get(Pool));
    await app.shutdown();
    expect(starts).toBe(1);
    expect(stops).toBe(2); // the class instance once, the shared value once
  });

  it('leaves no timer or handle behind after shutdown', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const app = await started((a) => {
      a.resource('slow', { value: 1, stop: () => sleep(20), stopTimeoutMs: 60_000 });
      a.resource('hung', { value: 2, stop: () => new Promise(() => {}), stopTimeoutMs: 50 });
    });
    await app.shutdown();
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});

describe('review fixes: bounded and contained', () => {
  it('a shutdown during a start that ignores its signal does not wait for it: what started stops, the hung start is named', async () => {
    const stopped: string[] = [];
    const app = new LifecycleContainer({ shutdownTimeoutMs: 200 })
      .resource('db', { value: 1, stop: () => void stopped.push('db') })
      .resource('slow', { create: () => new Promise((r) => setTimeout(() => r({}), 1_000)), dependsOn: ['db'] });
    const starting = app.start().catch((e: unknown) => e);
    await sleep(30);
    const began = performance.now();
    const report = await app.shutdown();
    expect(performance.now() - began).toBeLessThan(150);
    expect(report.deadlinePassed).toBe(false);
    expect(report.ok).toBe(false);
    expect(report.node('slow')).toMatchObject({ status: 'timedOut', error: { name: 'StartNotSettledError' } });
    expect(report.node('db')!.status).toBe('stopped');
    expect(stopped).toEqual(['db']);
    expect(await starting).toBeInstanceOf(StartAbortedError);
  });

  it('no further stop step runs once a node timed out', async () => {
    const steps: string[] = [];
    const app = new LifecycleContainer()
      .resource('db', { value: 1, stop: () => void steps.push('db stop') })
      .resource('api', { value: 2, dependsOn: ['db'], stopTimeoutMs: 60, stop: () => void steps.push('api stop') });
    await app.start();
    app.inFlight('api').track(); // never finishes
    const report = await app.shutdown();
    await sleep(50);
    expect(report.node('api')!.status).toBe('timedOut');
    expect(steps).toEqual(['db stop']);
  });

  it('a throwing logger does not hang start or shutdown', async () => {
    const boom = () => { throw new Error('logger down'); };
    const app = new LifecycleContainer({ logger: { info: boom, warn: boom, error: boom, debug: boom } })
      .resource('db', { value: 1 })
      .resource('api', { value: 2, dependsOn: ['db'] });
    await app.start();
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
  });

  it('a plan() before the last bind does not freeze the graph', async () => {
    const stopped: string[] = [];
    const app = new LifecycleContainer().resource('db', { value: 1, stop: () => void stopped.push('db') });
    app.plan();
    app.resource('http', { value: 2, dependsOn: ['db'], stop: () => void stopped.push('http') });
    await app.start();
    await app.shutdown();
    expect(stopped).toEqual(['http', 'db']);
  });

  it('shutdown() after a start that failed validation returns an empty report instead of rejecting', async () => {
    const app = new LifecycleContainer().resource('a', { value: 1, dependsOn: ['b'] }).resource('b', { value: 2, dependsOn: ['a'] });
    await expect(app.start()).rejects.toThrow(/cycle/i);
    const report = await app.shutdown();
    expect(report.nodes).toEqual([]);
  });
});
