import { Container, injectable } from 'inversify';
import { describe, expect, it } from 'vitest';
import * as quiesce from '../src/index.js';
import { DuplicateBindingError, InvalidOptionsError, LifecycleContainer, PlanDoesNotFitError, QuiesceError, resource } from '../src/index.js';
import { Timeline, fake, sleep } from './support/timeline.js';

const block = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* holds the event loop, as a sync loop in a hook would */ }
};

describe('4. a hook that overruns is not "stopped, ok"', () => {
  it('a synchronous stop blocking 500 ms with stopTimeoutMs 100 is timedOut with the measured overrun; the report is not ok', async () => {
    const app = new LifecycleContainer().resource('cache', { value: 1, stopTimeoutMs: 100, stop: () => block(500) });
    await app.start();
    const report = await app.shutdown();
    const cache = report.node('cache')!;
    expect(cache.status).toBe('timedOut');
    expect(cache.error?.name).toBe('NodeOverrunError');
    expect(cache.error?.message).toMatch(/cache: stop finished after \d+ ms, over its limit of 100 ms \(overran by \d+ ms/);
    expect(report.ok).toBe(false);
  });

  it('with a short deadline, the siblings it kept from beginning name it as the cause', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 200 })
      .resource('db', { value: 0, stop: () => undefined })
      .resource('cache', { value: 1, stopTimeoutMs: 100, dependsOn: ['db'], stop: () => block(400) })
      .resource('queue', { value: 2, dependsOn: ['db'], stop: () => undefined });
    await app.start();
    const report = await app.shutdown();
    expect(report.node('cache')!.status).toBe('timedOut');
    expect(report.node('db')!.status).toBe('skipped');
    expect(report.node('db')!.reason).toMatch(/delayed by cache, which overran its limit by \d+ ms/);
  });

  it('a hookless node the budget left no time (as in the example service) is stopped, however slow the observers are', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 600 })
      .resource('db', { value: 0, reserveMs: 300, stop: () => sleep(10) })
      .resource('schema', { value: 1, dependsOn: ['db'] })
      .resource('audit', { value: 2, dependsOn: ['schema'], stopTimeoutMs: 5_000, stop: () => new Promise(() => {}) });
    // A slow 'stopping' listener (a logger, say) costs quiesce time, not the hook's.
    app.on('stopping', (e) => void (e.node === 'schema' && block(5)));
    await app.start();
    const report = await app.shutdown();
    expect(report.node('audit')).toMatchObject({ status: 'timedOut', limitedBy: 'budget' });
    expect(report.node('schema')!.status).toBe('stopped');
    expect(report.node('db')!.status).toBe('stopped');
  });

  it('an async stop that finishes inside its limit is still stopped (no false overrun)', async () => {
    const app = new LifecycleContainer().resource('db', { value: 1, stopTimeoutMs: 200, stop: () => sleep(20) });
    await app.start();
    expect((await app.shutdown()).node('db')!.status).toBe('stopped');
  });
});

describe('5. options that cannot be honoured are refused', () => {
  it.each([
    ['drainDelayMs', 1e12],
    ['drainDelayMs', Number.POSITIVE_INFINITY],
    ['drainDelayMs', Number.NaN],
    ['drainDelayMs', -1],
    ['shutdownTimeoutMs', 2 ** 31],
    ['defaultStopTimeoutMs', 0],
  ])('%s: %d is an InvalidOptionsError naming the field', (field, value) => {
    let error: unknown;
    try {
      new LifecycleContainer({ [field]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).issues.map((i) => i.field)).toContain(field);
    expect((error as InvalidOptionsError).code).toBe('QUIESCE_INVALID_OPTIONS');
  });

  it('reserveMs gets the same bounds', () => {
    expect(() => new LifecycleContainer().resource('db', { value: 1, reserveMs: 1e12 })).toThrow(/reserveMs/);
  });

  it('a drain delay that leaves no room for the reserves is a plan error, refused by strictPlan', async () => {
    const build = (strictPlan: boolean) =>
      new LifecycleContainer({ drainDelayMs: 1_500, shutdownTimeoutMs: 500, strictPlan }).resource('db', { value: 1, reserveMs: 200, stopTimeoutMs: 300 });
    const plan = build(false).plan();
    expect(plan.fits).toBe(false);
    expect(plan.summary).toMatch(/drain 1500 ms \+ reserved db 200 ms \+ slack \d+ ms × 1 = \d+ ms > 500 ms/);
    await expect(build(true).start()).rejects.toBeInstanceOf(PlanDoesNotFitError);
  });

  it('a reserve chain longer than the deadline is a plan error on its own', () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 500 })
      .resource('db', { value: 1, reserveMs: 300, stopTimeoutMs: 300 })
      .resource('api', { value: 2, reserveMs: 300, stopTimeoutMs: 300, dependsOn: ['db'] });
    expect(app.plan().fits).toBe(false);
  });

  it('at run time the drain is cut so the reserved stop fits: shutdown ends inside the deadline with db stopped', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer({ drainDelayMs: 1_500, shutdownTimeoutMs: 500 }).resource('db', { ...fake(t, 'db', 50), reserveMs: 200, stopTimeoutMs: 300 });
    await app.start();
    const began = performance.now();
    const report = await app.shutdown();
    expect(performance.now() - began).toBeLessThan(500 + 100);
    expect(report.node('db')!.status).toBe('stopped');
    expect(report.deadlinePassed).toBe(false);
    expect(500 - (t.at('db', 'stop', 'begin') - began)).toBeGreaterThanOrEqual(200);
  });
});

describe('8b. a drain delay never costs the stops their time (#26 point 5)', () => {
  it('a drain as long as the deadline with nothing reserved is cut: the node is stopped inside the deadline, not skipped, and the report says why', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer({ drainDelayMs: 2_000, shutdownTimeoutMs: 1_000 }).resource('db', { ...fake(t, 'db', 50), stopTimeoutMs: 300 });
    expect(app.plan().fits).toBe(false);
    await app.start();
    const began = performance.now();
    const report = await app.shutdown();
    expect(performance.now() - began).toBeLessThan(1_000 + 150);
    expect(report.node('db')!.status).toBe('stopped');
    expect(report.ok).toBe(true);
    // The stop chain (300 ms) keeps its time: the drain ran ~700 ms, not the 2 s configured.
    expect(1_000 - (t.at('db', 'stop', 'begin') - began)).toBeGreaterThanOrEqual(300 - 20);
    expect(report.drain).toMatchObject({ configuredMs: 2_000, note: 'cut so the stops keep their time before the deadline' });
    expect(report.drain!.durationMs).toBeGreaterThan(500);
    expect(report.drain!.durationMs).toBeLessThan(800);
  });

  it('a stop chain longer than the deadline leaves the drain half the deadline', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer({ drainDelayMs: 900, shutdownTimeoutMs: 1_000 }).resource('db', { ...fake(t, 'db', 20), stopTimeoutMs: 5_000 });
    await app.start();
    const report = await app.shutdown();
    expect(report.node('db')!.status).toBe('stopped');
    expect(report.drain!.durationMs).toBeGreaterThan(400);
    expect(report.drain!.durationMs).toBeLessThan(600);
  });

  it('a drain that fits is not cut, and its report has no note', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer({ drainDelayMs: 100, shutdownTimeoutMs: 1_000 }).resource('db', { ...fake(t, 'db', 10), stopTimeoutMs: 300 });
    await app.start();
    const report = await app.shutdown();
    expect(report.drain!.durationMs).toBeGreaterThanOrEqual(99);
    expect(report.drain!.note).toBeUndefined();
  });

  it('with strictPlan a drain that cannot fit beside the stops is refused at start', async () => {
    const app = new LifecycleContainer({ drainDelayMs: 2_000, shutdownTimeoutMs: 1_000, strictPlan: true }).resource('db', { value: 1, stop: () => {}, stopTimeoutMs: 300 });
    await expect(app.start()).rejects.toMatchObject({ code: 'QUIESCE_PLAN_DOES_NOT_FIT', message: expect.stringMatching(/drain 2000 ms → db 300 ms = 2300 ms > 1000 ms/) });
  });

  it('a reserveMs longer than the whole deadline is an InvalidOptionsError naming the node and the field, from plan() and start()', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 1_000 }).resource('db', { value: 1, stop: () => {}, reserveMs: 1_500, stopTimeoutMs: 2_000 });
    expect(() => app.plan()).toThrow(quiesce.InvalidOptionsError);
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({
      code: 'QUIESCE_INVALID_OPTIONS',
      subject: 'resource "db"',
      issues: [{ field: 'reserveMs', message: expect.stringMatching(/^1500 ms is longer than the container's shutdownTimeoutMs \(1000 ms\)/) }],
    });
    // Equal to the deadline is allowed (the plan judges whether the rest fits).
    expect(() => new LifecycleContainer({ shutdownTimeoutMs: 1_000 }).resource('db', { value: 1, reserveMs: 1_000 }).plan()).not.toThrow();
  });
});

describe('9. errors a program can branch on', () => {
  it('every error class carries a stable QUIESCE_* code', () => {
    const classes = Object.entries(quiesce).filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error) as [string, new (...a: never[]) => QuiesceError][];
    expect(classes.length).toBeGreaterThanOrEqual(15);
    for (const [name] of classes) {
      expect(quiesce.ErrorCodes[name as keyof typeof quiesce.ErrorCodes], name).toMatch(/^QUIESCE_[A-Z_]+$/);
    }
    const codes = Object.values(quiesce.ErrorCodes);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new quiesce.ShuttingDownError('api').code).toBe('QUIESCE_SHUTTING_DOWN');
    expect(new quiesce.CycleError(['a', 'b', 'a']).code).toBe('QUIESCE_CYCLE');
  });

  it('a hook that rejects with undefined (or throws null) still has an error in the report', async () => {
    const app = new LifecycleContainer()
      .resource('a', { value: 1, stop: () => Promise.reject(undefined) })
      .resource('b', { value: 2, stop: () => { throw null; } });
    await app.start();
    const report = await app.shutdown();
    expect(report.node('a')).toMatchObject({ status: 'failed', error: { name: 'EmptyRejectionError', message: 'a: stop failed with undefined instead of an Error' } });
    expect(report.node('b')!.error?.message).toBe('b: stop failed with null instead of an Error');
  });

  it('a duplicate binding made directly on an adopted inversify container is caught by validate()', () => {
    @resource({ name: 'db' })
    class Db {}
    @injectable()
    class Other {}
    const container = new Container();
    const app = new LifecycleContainer({ container }).bind(Db);
    container.bind(Db).toSelf().inSingletonScope();
    expect(() => app.validate()).toThrow(DuplicateBindingError);
    // Several bindings of a plain token (multiInject) stay legitimate.
    const plain = new Container();
    plain.bind('handlers').to(Other);
    plain.bind('handlers').to(Other);
    expect(() => new LifecycleContainer({ container: plain }).validate()).not.toThrow();
  });

  it('a global-deadline timeout message quotes the limit, not the elapsed time', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 150, budget: false }).resource('http', { value: 1, stopTimeoutMs: 5_000, stop: () => new Promise(() => {}) });
    await app.start();
    const report = await app.shutdown();
    expect(report.node('http')!.error?.message).toBe('http: stop did not finish before the global deadline of 150 ms');
    // The report carries the code too, so JSON consumers can branch on it.
    expect(report.node('http')!.error?.code).toBe('QUIESCE_NODE_TIMEOUT');
  });
});
