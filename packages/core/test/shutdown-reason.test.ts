import { describe, expect, it } from 'vitest';
import { LifecycleContainer, StartError, type HookContext, type ShutdownReason } from '../src/index.js';

/** A container with two nodes that record the reason their hooks saw. */
function recording() {
  const seen: Record<string, ShutdownReason | undefined> = {};
  const app = new LifecycleContainer({ shutdownTimeoutMs: 2_000 })
    .resource('db', { value: 1, start: (_v, ctx: HookContext) => void (seen['db start'] = ctx.reason), stop: (_v, ctx: HookContext) => void (seen['db stop'] = ctx.reason) })
    .resource('api', { value: 2, dependsOn: ['db'], quiesce: (_v, ctx: HookContext) => void (seen['api quiesce'] = ctx.reason), stop: (_v, ctx: HookContext) => void (seen['api stop'] = ctx.reason) });
  return { app, seen };
}

describe('every stop hook receives why the shutdown happened (ctx.reason)', () => {
  it('app.shutdown() from the program: requested, with the detail it passed; start hooks saw none', async () => {
    const { app, seen } = recording();
    await app.start();
    await app.shutdown('deploy 42');
    expect(seen['db start']).toBeUndefined();
    for (const hook of ['api quiesce', 'api stop', 'db stop']) expect(seen[hook], hook).toEqual({ kind: 'requested', detail: 'deploy 42' });
    expect(app.shutdownReason).toEqual({ kind: 'requested', detail: 'deploy 42' });
  });

  it('the first request wins: a later or re-entrant shutdown() joins it with its reason unchanged', async () => {
    const { app, seen } = recording();
    await app.start();
    const first = app.shutdown({ kind: 'signal', signal: 'SIGTERM' });
    const second = app.shutdown('too late');
    expect(await second).toBe(await first);
    expect(seen['db stop']).toEqual({ kind: 'signal', signal: 'SIGTERM' });
  });

  it("a failed start's rollback: startFailed, naming the node and its error", async () => {
    const seen: Record<string, ShutdownReason | undefined> = {};
    const boom = new Error('cannot reach the broker');
    const app = new LifecycleContainer({ shutdownTimeoutMs: 2_000 })
      .resource('db', { value: 1, stop: (_v, ctx: HookContext) => void (seen.db = ctx.reason) })
      .resource('queue', { value: 2, dependsOn: ['db'], start: () => Promise.reject(boom) });
    await expect(app.start()).rejects.toBeInstanceOf(StartError);
    expect(seen.db).toEqual({ kind: 'startFailed', node: 'queue', error: boom });
  });

  it('a signal handled by handleSignals: signal, with its name', async () => {
    const { app, seen } = recording();
    await app.start();
    const exitCodeBefore = process.exitCode;
    try {
      const reported = new Promise<void>((resolve) => app.handleSignals({ signals: ['SIGUSR2'], exitGraceMs: false, write: () => undefined, onReport: () => resolve() }));
      process.emit('SIGUSR2', 'SIGUSR2');
      await reported;
      expect(seen['api stop']).toEqual({ kind: 'signal', signal: 'SIGUSR2' });
    } finally {
      process.exitCode = exitCodeBefore;
    }
  });

  it('a malformed reason is taken as a plain request, never a crash of shutdown()', async () => {
    const { app, seen } = recording();
    await app.start();
    await app.shutdown({ kind: 'nonsense' } as never);
    expect(seen['db stop']).toEqual({ kind: 'requested' });
  });
});
