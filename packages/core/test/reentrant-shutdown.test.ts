import diagnostics_channel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { diagnosticsChannels, LifecycleContainer, type Logger, type ShutdownReport } from '../src/index.js';

/** db ← api, each counting its stops; `reenter` is where user code calls shutdown() from inside. */
async function appWith(reenter: (app: LifecycleContainer, calls: Promise<ShutdownReport>[]) => void, logger?: Logger) {
  const stops = { db: 0, api: 0 };
  const calls: Promise<ShutdownReport>[] = [];
  const app = new LifecycleContainer({ shutdownTimeoutMs: 2_000, ...(logger ? { logger } : {}) });
  app
    .resource('db', { value: 'db', stop: () => void stops.db++ })
    .resource('api', { value: 'api', dependsOn: ['db'], stop: () => void stops.api++ });
  reenter(app, calls);
  await app.start();
  const report = await app.shutdown();
  return { stops, calls, report };
}

describe('1. shutdown() is re-entrant: every call from inside joins the running shutdown', () => {
  it('from a stop hook (not awaited), each hook runs once and every call gets the same report', async () => {
    const calls: Promise<ShutdownReport>[] = [];
    let stops = 0;
    const app = new LifecycleContainer().resource('db', {
      value: 1,
      stop: () => {
        stops++;
        calls.push(app.shutdown(), app.shutdown());
      },
    });
    await app.start();
    const report = await app.shutdown();
    expect(stops).toBe(1);
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(await call).toBe(report);
    expect(report.ok).toBe(true);
  });

  it('from a stop hook that returns shutdown(): the node waits on itself, is cut by its timeout, and nothing runs twice', async () => {
    let stops = 0;
    const app: LifecycleContainer = new LifecycleContainer().resource('db', {
      value: 1,
      stopTimeoutMs: 100,
      stop: (): Promise<ShutdownReport> => {
        stops++;
        return app.shutdown();
      },
    });
    await app.start();
    const report = await app.shutdown();
    expect(stops).toBe(1);
    expect(report.node('db')!.status).toBe('timedOut');
  });

  it("from a 'stopping' event listener", async () => {
    const { stops, calls, report } = await appWith((app, calls) => app.on('stopping', () => void calls.push(app.shutdown())));
    expect(stops).toEqual({ db: 1, api: 1 });
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(await call).toBe(report);
  });

  it('from a shutdownRequested abort listener (runs synchronously inside the first call)', async () => {
    const { stops, calls, report } = await appWith((app, calls) =>
      app.shutdownRequested.addEventListener('abort', () => void calls.push(app.shutdown())),
    );
    expect(stops).toEqual({ db: 1, api: 1 });
    expect(await calls[0]).toBe(report);
  });

  it('from a diagnostics_channel subscriber', async () => {
    let target: LifecycleContainer | undefined;
    const calls: Promise<ShutdownReport>[] = [];
    const subscriber = () => void calls.push(target!.shutdown());
    diagnostics_channel.subscribe(diagnosticsChannels.stop, subscriber);
    try {
      const { stops, report } = await appWith((app) => (target = app));
      expect(stops).toEqual({ db: 1, api: 1 });
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) expect(await call).toBe(report);
    } finally {
      diagnostics_channel.unsubscribe(diagnosticsChannels.stop, subscriber);
    }
  });

  it('from a logger', async () => {
    let target: LifecycleContainer | undefined;
    const calls: Promise<ShutdownReport>[] = [];
    const log = () => {
      if (target && target.state !== 'idle' && target.state !== 'starting' && target.state !== 'running') calls.push(target.shutdown());
    };
    const { stops, report } = await appWith((app) => (target = app), { info: log, warn: log, error: log, debug: log });
    expect(stops).toEqual({ db: 1, api: 1 });
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(await call).toBe(report);
  });

  it('from a hook of the rollback after a failed start: the rollback is the one shutdown', async () => {
    const calls: Promise<ShutdownReport>[] = [];
    let stops = 0;
    const app = new LifecycleContainer()
      .resource('db', { value: 1, stop: () => void (stops++, calls.push(app.shutdown())) })
      .resource('api', { value: 2, dependsOn: ['db'], start: () => { throw new Error('no'); } });
    const error = (await app.start().catch((e: unknown) => e)) as { rollback: ShutdownReport };
    expect(stops).toBe(1);
    expect(await calls[0]).toBe(error.rollback);
    expect(await app.shutdown()).toBe(error.rollback);
  });
});
