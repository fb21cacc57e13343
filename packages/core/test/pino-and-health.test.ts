import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LifecycleContainer } from '../src/index.js';
import { sleep } from './support/timeline.js';

describe('a real pino logger is accepted as is', () => {
  it('writes one JSON line per transition with node, phase and status', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, stream);
    const app = new LifecycleContainer({ logger })
      .resource('db', { value: 1 })
      .resource('api', { value: 2, dependsOn: ['db'], stop: () => { throw new Error('api broke'); } });
    await app.start();
    await app.shutdown();
    await new Promise((r) => setImmediate(r));
    const ours = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('quiesce:'));
    expect(ours.map((l) => `${l.node}:${l.status}`)).toEqual([
      'db:starting', 'db:started', 'api:starting', 'api:started', 'api:stopping', 'api:failed', 'db:stopping', 'db:stopped',
    ]);
    const failed = ours.find((l) => l.status === 'failed')!;
    expect(failed.level).toBe(50); // pino's error level
    expect((failed.err as { message: string }).message).toBe('api broke');
    expect(failed.phase).toBe('stop');
  });
});

describe('health: per-node state and aggregate readiness/liveness', () => {
  it('is ready only while running, turns not-ready (but live) as soon as shutdown begins', async () => {
    const app = new LifecycleContainer({ drainDelayMs: 100 })
      .resource('db', { value: 1 })
      .resource('api', { value: 2, dependsOn: ['db'], stop: () => sleep(150) });
    expect(app.health()).toMatchObject({ state: 'idle', ready: false });
    await app.start();
    expect(app.health()).toEqual({ state: 'running', ready: true, live: true, nodes: { db: 'ready', api: 'ready' } });
    const stopping = app.shutdown();
    await sleep(50); // inside the drain delay: nothing stopped yet, but readiness already says no
    expect(app.health()).toMatchObject({ state: 'draining', ready: false, live: true, nodes: { db: 'ready', api: 'ready' } });
    await sleep(80);
    expect(app.health()).toMatchObject({ state: 'stopping', ready: false, live: true, nodes: { api: 'stopping', db: 'ready' } });
    const report = await stopping;
    expect(report.node('api')!.startOffsetMs!).toBeGreaterThanOrEqual(95);
    expect(app.health()).toMatchObject({ state: 'stopped', ready: false, live: false, nodes: { db: 'stopped', api: 'stopped' } });
  });

  it('reports a node that failed to start', async () => {
    const app = new LifecycleContainer().resource('db', { value: 1, start: () => { throw new Error('no'); } });
    await app.start().catch(() => undefined);
    expect(app.health().nodes).toEqual({ db: 'failed' });
    expect(app.health().ready).toBe(false);
  });
});

describe('shutdownRequested', () => {
  it('aborts as soon as shutdown is requested, before the drain delay ends and before any stop', async () => {
    let seen: AbortSignal | undefined;
    const stopsBegan: number[] = [];
    const app = new LifecycleContainer({ drainDelayMs: 80 }).resource('http', {
      value: 1,
      start: (_v, ctx) => void (seen = ctx.shutdownRequested),
      stop: () => void stopsBegan.push(performance.now()),
    });
    await app.start();
    expect(seen!.aborted).toBe(false);
    const requested = performance.now();
    const done = app.shutdown();
    expect(seen!.aborted).toBe(true);
    expect(app.shutdownRequested.aborted).toBe(true);
    await done;
    expect(stopsBegan[0]! - requested).toBeGreaterThanOrEqual(75);
  });
});
