import { describe, expect, it } from 'vitest';
import { LifecycleContainer, PlanDoesNotFitError } from '../src/index.js';
import { fakeClock } from '../src/kit/main.js';
import { randomDag, rng } from './support/random-dag.js';
import { Timeline, fake, sleep } from './support/timeline.js';

/** http → api → pg, where http's stop hangs far past the global deadline (on fake time: exact). */
async function hungFrontDoor(budget: boolean) {
  const clock = fakeClock();
  const t = new Timeline(clock);
  const app = new LifecycleContainer({ shutdownTimeoutMs: 1_000, budget, clock });
  app
    .resource('pg', { ...fake(t, 'pg', 250), reserveMs: 300 })
    .resource('api', { ...fake(t, 'api', 60), reserveMs: 100, dependsOn: ['pg'] })
    .resource('http', { ...fake(t, 'http', 'hang'), stopTimeoutMs: 5_000, dependsOn: ['api'] });
  await clock.run(app.start());
  const began = clock.now();
  const report = await clock.run(app.shutdown());
  return { t, report, began, took: clock.now() - began };
}

describe('7. reserved time is really reserved', () => {
  it('db reserving 400 ms begins its stop at least 400 ms before the deadline, every time', async () => {
    for (let run = 0; run < 3; run++) {
      const clock = fakeClock();
      const t = new Timeline(clock);
      const app = new LifecycleContainer({ shutdownTimeoutMs: 800, clock })
        .resource('db', { ...fake(t, 'db', 10), reserveMs: 400 })
        .resource('http', { ...fake(t, 'http', 'hang'), stopTimeoutMs: 5_000, dependsOn: ['db'] });
      await clock.run(app.start());
      const began = clock.now();
      const report = await clock.run(app.shutdown());
      expect(report.node('db')!.status).toBe('stopped');
      expect(800 - (t.at('db', 'stop', 'begin') - began), `run ${run}`).toBeGreaterThanOrEqual(400);
      expect(800 - (t.at('db', 'stop', 'begin') - began)).toBe(400 + 25); // exact: the reserve and its slack
    }
  });
});

describe('deadline budgets: a hung front door never eats the time the database needs', () => {
  it('with budgeting, http is cut early enough that api and pg stop cleanly inside the deadline', async () => {
    const { t, report, began, took } = await hungFrontDoor(true);
    expect(report.node('http')).toMatchObject({ status: 'timedOut', limitedBy: 'budget', timeoutMs: 5_000 });
    // Cut at deadline − (100 + 300 reserved, + 25 ms slack each) = 550 ms.
    expect(report.node('http')!.effectiveTimeoutMs).toBeGreaterThan(500);
    expect(report.node('http')!.effectiveTimeoutMs).toBeLessThanOrEqual(550);
    expect(report.node('http')!.effectiveTimeoutMs).toBe(550); // exact on fake time
    expect(took).toBe(550 + 60 + 250);
    expect(report.node('api')!.status).toBe('stopped');
    expect(report.node('pg')!.status).toBe('stopped');
    expect(1_000 - (t.at('pg', 'stop', 'begin') - began)).toBeGreaterThanOrEqual(300 - 5);
    expect(took).toBeLessThan(1_000 + 150);
    expect(report.ok).toBe(false); // http still timed out, and says so
    expect(report.deadlinePassed).toBe(false);
    expect(report.toTable()).toMatch(/http\s+timedOut.*\(budget\)/);
  });

  it('without budgeting, the same setup loses pg: the test tells the difference', async () => {
    const { t, report } = await hungFrontDoor(false);
    expect(report.node('http')).toMatchObject({ status: 'timedOut', limitedBy: 'global deadline' });
    expect(report.deadlinePassed).toBe(true);
    expect(report.node('pg')!.status).not.toBe('stopped');
    expect(t.count('pg', 'stop')).toBe(0);
  });

  it.each([11, 22, 33, 44, 55])('seed %i: every node that did not hang and whose reserve fits stops before the deadline', async (seed) => {
    const random = rng(seed);
    const deps = randomDag(seed, 40, 2);
    const deadline = 1_500;
    // Reserves scaled so that the longest chain of reserves fits the deadline with room to spare.
    // At least 40 ms each: a node gets its reserve minus the lateness of the timer that cut the one
    // before it, which reaches tens of ms on a loaded 2-core machine.
    const raw = deps.map(() => 40 + random() * 80);
    const app = new LifecycleContainer({ shutdownTimeoutMs: deadline, defaultStopTimeoutMs: 60_000 });
    const scale = Math.min(1, (deadline * 0.8) / Math.max(...longestDown(deps, raw)));
    const hung = deps.map(() => random() < 0.15);
    const endedAt = new Map<string, number>();
    let began = 0;
    deps.forEach((ds, i) => {
      const reserve = Math.round(raw[i]! * scale);
      app.resource(`n${i}`, {
        value: i,
        reserveMs: reserve,
        dependsOn: ds.map((d) => `n${d}`),
        stop: async () => {
          if (hung[i]) return new Promise(() => {});
          // Well inside its reserve: timers on a loaded 2-core CI machine fire tens of ms late.
          await sleep(reserve * 0.3);
          endedAt.set(`n${i}`, performance.now() - began);
        },
      });
    });
    await app.start();
    began = performance.now();
    const report = await app.shutdown();
    deps.forEach((_, i) => {
      const node = report.node(`n${i}`)!;
      if (hung[i]) expect(node.status).toBe('timedOut');
      else {
        expect(node.status, `n${i}`).toBe('stopped');
        // Measured from before shutdown() was called, so the walk's own deadline is a hair later.
        expect(endedAt.get(`n${i}`)!).toBeLessThan(deadline + 5);
      }
    });
  });
});

/** For each node, the heaviest chain from it down through its dependencies. */
function longestDown(deps: number[][], weight: number[]): number[] {
  const down: number[] = [];
  deps.forEach((ds, i) => (down[i] = weight[i]! + Math.max(0, ...ds.map((d) => down[d]!))));
  // A node's chain also includes its dependents above it: the max over all roots covers both.
  const up: number[] = new Array(deps.length).fill(0);
  for (let i = deps.length - 1; i >= 0; i--) for (const d of deps[i]!) up[d] = Math.max(up[d]!, up[i]! + weight[i]!);
  return down.map((v, i) => v + up[i]!);
}

describe('the plan check, before start', () => {
  // Every node has a stop hook: a node with nothing to stop is charged 0 ms (names-and-defaults.test.ts).
  const stop = (): void => undefined;
  function frontDoorApp(shutdownTimeoutMs: number, extra = {}) {
    return new LifecycleContainer({ shutdownTimeoutMs, drainDelayMs: 5_000, ...extra })
      .resource('pg', { value: 1, stop, stopTimeoutMs: 5_000 })
      .resource('api', { value: 2, stop, stopTimeoutMs: 3_000, dependsOn: ['pg'] })
      .resource('cache', { value: 3, stop, stopTimeoutMs: 1_000, dependsOn: ['pg'] })
      .resource('http', { value: 4, stop, stopTimeoutMs: 25_000, dependsOn: ['api', 'cache'] });
  }

  it('computes the worst case along the longest chain of stop timeouts, with the drain delay', () => {
    const plan = frontDoorApp(30_000).plan();
    expect(plan.worstCaseMs).toBe(5_000 + 25_000 + 3_000 + 5_000);
    expect(plan.chain.map((s) => s.name)).toEqual(['http', 'api', 'pg']);
    expect(plan.fits).toBe(false);
    expect(plan.summary).toBe('drain 5000 ms → http 25000 ms → api 3000 ms → pg 5000 ms = 38000 ms > 30000 ms');
  });

  it('strict mode refuses to start a plan that does not fit; default mode warns', async () => {
    // No drain delay here, so that shutting down the started app does not wait for it.
    const error = await frontDoorApp(30_000, { strictPlan: true, drainDelayMs: 0 }).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanDoesNotFitError);
    expect((error as Error).message).toContain('http 25000 ms → api 3000 ms → pg 5000 ms = 33000 ms > 30000 ms');
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') };
    const app = frontDoorApp(30_000, { logger, drainDelayMs: 0 });
    await app.start();
    expect(warnings).toEqual([expect.stringContaining('= 33000 ms > 30000 ms')]);
    await app.shutdown();
  });

  it('checks the deadline against the Kubernetes grace period when given', () => {
    const tooLate = frontDoorApp(40_000, { terminationGracePeriodSeconds: 30 }).plan();
    expect(tooLate.fits).toBe(false);
    expect(tooLate.summary).toMatch(/= 38000 ms ≤ 40000 ms; shutdownTimeoutMs 40000 ms ≥ terminationGracePeriodSeconds 30 s \(30000 ms\)$/);
    expect(frontDoorApp(40_000, { terminationGracePeriodSeconds: 45 }).plan().fits).toBe(true);
  });

  it('a plan that fits passes silently', async () => {
    const plan = frontDoorApp(40_000).plan();
    expect(plan.fits).toBe(true);
    expect(plan.summary).toMatch(/= 38000 ms ≤ 40000 ms$/);
    const app = frontDoorApp(40_000, { strictPlan: true, drainDelayMs: 0 });
    await expect(app.start()).resolves.toBeUndefined();
    await app.shutdown();
  });
});
