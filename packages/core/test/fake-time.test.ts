import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, LifecycleContainer, NodeOverrunError, NodeTimeoutError, StartError } from '../src/index.js';
import { BUDGET_SLACK_MS, buildGraph, fakeClock, walk } from '../src/kit/main.js';

// Timing cases on fake time (the `clock` option): every number below is exact, which real timers
// (late by 1–20 ms under load) never are — and a 10 s timeout costs no real time.

const hang = (): Promise<never> => new Promise(() => {});

describe('timing on a fake clock', () => {
  it('times out a node after exactly its 10 s stop timeout, in no real time', async () => {
    const clock = fakeClock();
    const app = new LifecycleContainer({ clock, shutdownTimeoutMs: 60_000, handleOrigins: 'off' }).resource('db', { value: 1, stopTimeoutMs: 10_000, stop: hang });
    await clock.run(app.start());
    const real = performance.now();
    const report = await clock.run(app.shutdown());
    expect(performance.now() - real).toBeLessThan(1_000);
    const db = report.node('db')!;
    expect(db).toMatchObject({ status: 'timedOut', startOffsetMs: 0, durationMs: 10_000, effectiveTimeoutMs: 10_000, limitedBy: 'own timeout' });
    expect(report.durationMs).toBe(10_000);
    expect(report.startedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(clock.pending).toBe(0); // no timer of the shutdown outlives it
  });

  it('cuts a node at exactly the global deadline', async () => {
    const clock = fakeClock();
    const app = new LifecycleContainer({ clock, shutdownTimeoutMs: 3_000, handleOrigins: 'off' })
      .resource('db', { value: 1, stopTimeoutMs: 2_000, stop: () => clock.sleep(1_800) })
      .resource('api', { value: 2, dependsOn: ['db'], stopTimeoutMs: 2_000, stop: () => clock.sleep(1_500) });
    await clock.run(app.start());
    const report = await clock.run(app.shutdown());
    expect(report.node('api')).toMatchObject({ status: 'stopped', startOffsetMs: 0, durationMs: 1_500 });
    expect(report.durationMs).toBe(3_000);
    // db begins at 1500 with 2000 of its own, but only 1500 are left of the deadline.
    expect(report.node('db')).toMatchObject({ status: 'timedOut', startOffsetMs: 1_500, durationMs: 1_500, effectiveTimeoutMs: 1_500, limitedBy: 'global deadline' });
    const late = new LifecycleContainer({ clock, shutdownTimeoutMs: 3_000, handleOrigins: 'off' }).resource('db', { value: 1, stopTimeoutMs: 5_000, stop: hang });
    await clock.run(late.start());
    const cut = await clock.run(late.shutdown());
    expect(cut.node('db')).toMatchObject({ status: 'timedOut', durationMs: 3_000, effectiveTimeoutMs: 3_000, limitedBy: 'global deadline' });
    expect(cut.deadlinePassed).toBe(true);
    expect(cut.durationMs).toBe(3_000);
  });

  it('runs the drain delay for exactly its configured time before the first stop', async () => {
    const clock = fakeClock();
    const app = new LifecycleContainer({ clock, drainDelayMs: 5_000, shutdownTimeoutMs: 30_000, handleOrigins: 'off' }).resource('db', { value: 1, stop: () => clock.sleep(200) });
    await clock.run(app.start());
    const shutdown = app.shutdown();
    await clock.advance(2_500);
    expect(app.pending()).toEqual([{ name: '(drain delay)', phase: 'drain', forMs: 2_500 }]);
    const report = await clock.run(shutdown);
    expect(report.drain).toEqual({ configuredMs: 5_000, durationMs: 5_000 });
    expect(report.node('db')).toMatchObject({ startOffsetMs: 5_000, durationMs: 200, endOffsetMs: 5_200 });
    expect(report.durationMs).toBe(5_200);
  });

  it('cuts a drain to exactly what the stops keep of the deadline', async () => {
    const clock = fakeClock();
    const app = new LifecycleContainer({ clock, drainDelayMs: 8_000, shutdownTimeoutMs: 10_000, handleOrigins: 'off' }).resource('db', { value: 1, stopTimeoutMs: 4_000, stop: () => clock.sleep(100) });
    await clock.run(app.start());
    const report = await clock.run(app.shutdown());
    // The stop chain (4000) keeps its time: 10000 − 4000 = 6000 of the 8000 asked for.
    expect(report.drain).toMatchObject({ configuredMs: 8_000, durationMs: 6_000 });
    expect(report.node('db')).toMatchObject({ startOffsetMs: 6_000, durationMs: 100 });
  });

  it('keeps a reserve free: the node before it is cut at deadline − (reserve + slack)', async () => {
    const clock = fakeClock();
    const app = new LifecycleContainer({ clock, shutdownTimeoutMs: 5_000, handleOrigins: 'off' })
      .resource('db', { value: 1, reserveMs: 2_000, stopTimeoutMs: 3_000, stop: () => clock.sleep(1_000) })
      .resource('api', { value: 2, dependsOn: ['db'], stopTimeoutMs: 10_000, stop: hang });
    await clock.run(app.start());
    const report = await clock.run(app.shutdown());
    const cutAt = 5_000 - (2_000 + BUDGET_SLACK_MS);
    expect(report.node('api')).toMatchObject({ status: 'timedOut', durationMs: cutAt, effectiveTimeoutMs: cutAt, limitedBy: 'budget' });
    expect(report.node('db')).toMatchObject({ status: 'stopped', startOffsetMs: cutAt, durationMs: 1_000, effectiveTimeoutMs: 5_000 - cutAt });
    expect(report.durationMs).toBe(cutAt + 1_000);
  });

  it('measures an overrun exactly: a hook that held the loop 1.5 s past its 1 s limit', async () => {
    const clock = fakeClock();
    const app = new LifecycleContainer({ clock, shutdownTimeoutMs: 30_000, handleOrigins: 'off' }).resource('cpu', { value: 1, stopTimeoutMs: 1_000, stop: () => clock.block(2_500) });
    await clock.run(app.start());
    const report = await clock.run(app.shutdown());
    const cpu = report.node('cpu')!;
    expect(cpu).toMatchObject({ status: 'timedOut', durationMs: 2_500, error: { name: 'NodeOverrunError', code: new NodeOverrunError('cpu', 'stop', 1, 2).code } });
    expect(cpu.error!.message).toMatch(/1500 ms/);
  });

  it('rolls back a start that timed out after exactly 30 s', async () => {
    const clock = fakeClock();
    const app = new LifecycleContainer({ clock, handleOrigins: 'off' })
      .resource('db', { value: 1, stop: () => clock.sleep(40) })
      .resource('api', { value: 2, dependsOn: ['db'], startTimeoutMs: 30_000, start: hang });
    const error = (await clock.run(app.start()).catch((e: unknown) => e)) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect(error.cause).toBeInstanceOf(NodeTimeoutError);
    expect((error.cause as NodeTimeoutError).message).toMatch(/30000 ms/);
    expect(error.rollback.node('db')).toMatchObject({ status: 'stopped', durationMs: 40 });
    expect(error.rollback.startedAt.getTime() - Date.UTC(2026, 0, 1)).toBe(30_000);
  });

  it('drives a bare walk: a chain begins each node the moment the one before settles', async () => {
    const clock = fakeClock();
    const graph = buildGraph(['a', 'b', 'c'], [[], [0], [1]]);
    const took = [300, 200, 100];
    const seen: unknown[] = [];
    const result = await clock.run(walk({ graph, clock, direction: 'start', haltOnFailure: true, timeoutMs: () => 250, run: (i, ctx) => (seen.push(ctx.deadline), clock.sleep(took[i]!)) }));
    expect(result.outcomes.map((o) => [o.status, o.beganAt, o.endedAt])).toEqual([
      ['timedOut', 0, 250],
      ['skipped', NaN, 250],
      ['skipped', NaN, 250],
    ]);
    expect(seen).toEqual([Date.UTC(2026, 0, 1) + 250]);
    expect(result.endedAt - result.beganAt).toBe(250);
    const stop = await clock.run(walk({ graph, clock, direction: 'stop', haltOnFailure: false, timeoutMs: () => 1_000, run: (i) => clock.sleep(took[i]!) }));
    expect(stop.outcomes.map((o) => [o.beganAt - stop.beganAt, o.endedAt - o.beganAt, o.gatedBy])).toEqual([
      [300, 300, 1],
      [100, 200, 2],
      [0, 100, -1],
    ]);
  });

  it('refuses a clock without the methods, naming the option', () => {
    const refused = (clock: unknown): InvalidOptionsError => {
      try {
        new LifecycleContainer({ clock: clock as never });
      } catch (error) {
        return error as InvalidOptionsError;
      }
      throw new Error('accepted');
    };
    for (const bad of [{ now: () => 0 }, 42, { now: () => 0, wallNow: () => 0, setTimeout: () => 0 }]) {
      const error = refused(bad);
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect(error.message).toMatch(/clock/);
      expect(error.message).toMatch(/clearTimeout\(\)/);
    }
  });
});
