import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, crash, freeze, leftoverHandles, startRedis, thaw, watchProcessErrors, type RedisServer } from '@quiesce/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from './drivers.js';
import { eventually } from './helpers.js';

// A Redis of this file's own, the "victim", for the faults that hurt the server; the shared one
// is never touched. SIGKILL runs last and a fresh victim is started for each driver's kill.
let victim: RedisServer;
let admin: Redis;

beforeAll(async () => {
  victim = await startRedis({ useEnv: false });
  admin = new Redis(victim.url);
});
afterAll(async () => {
  admin?.disconnect();
  await victim?.stop();
});

const DEADLINE_MS = 3_000;

/** How a promise settled within `ms`: a test must not hang on a command the cut failed to reject. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<'resolved' | 'rejected' | 'pending'> {
  const timeout = new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms).unref());
  return Promise.race([promise.then(() => 'resolved' as const, () => 'rejected' as const), timeout]);
}

/** An app with one managed client of `driver`, started, plus the checks every fault test makes. */
async function startApp(driver: (typeof DRIVERS)[number], url: string, stopTimeoutMs: number) {
  const before = activeHandles();
  const errors = watchProcessErrors();
  const app = new LifecycleContainer({ shutdownTimeoutMs: DEADLINE_MS });
  app.resource('cache', driver.resource(url, stopTimeoutMs));
  await app.start();
  const client = driver.client(app.get('cache'));
  return {
    app,
    client,
    /** No socket or timer of the driver's keeps the process alive 500 ms after the report; nothing escaped. */
    async expectClean(): Promise<void> {
      expect(await leftoverHandles(before, 500)).toEqual({});
      expect(errors.stop()).toEqual([]);
    },
  };
}

describe.each(DRIVERS)('$name under Redis faults mid-shutdown', (driver) => {
  it('the connection is killed server-side (CLIENT KILL) mid-drain: the driver reconnects, the stop closes a live connection, every acknowledged write is there', async () => {
    const key = `${driver.name}:kill`;
    const { app, client, expectClean } = await startApp(driver, victim.url, 5_000);
    const writes = Array.from({ length: 100 }, (_, i) => client.set(`${key}:${i}`, String(i)).then(() => i));
    await Promise.all(writes);
    // node-redis fails it when the connection drops; ioredis resends it after the reconnect.
    const blocked = app.inFlight('cache').run(() => client.blpop(`${key}:list`)).catch(() => undefined);
    const shutdown = app.shutdown();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    // The blocked pop, resent after the reconnect or failed by the kill, ends when the list gets an item.
    await eventually(async () => (await admin.rpush(`${key}:list`, 'x')) > 0, 2_000);
    expect(await settledWithin(blocked, 2_000)).toBe('resolved');
    const report = await shutdown;

    // Reconnected before the stop closed it (ioredis resent the BLPOP, node-redis failed it to its
    // caller): the connection closed was a live one, with every reply delivered.
    expect(report.node('cache')!.status).toBe('stopped');
    expect(report.durationMs).toBeLessThan(DEADLINE_MS);
    const values = await admin.mget(...Array.from({ length: 100 }, (_, i) => `${key}:${i}`));
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    await expectClean();
  });

  it('the server freezes (SIGSTOP) mid-shutdown: timedOut at stopTimeoutMs, pending commands reject at the cut, no driver timer left', async () => {
    const key = `${driver.name}:frozen`;
    const { app, client, expectClean } = await startApp(driver, victim.url, 500);
    freeze(victim);
    try {
      const pending = client.set(key, 'never answered').then(
        () => 'answered',
        () => Date.now(),
      );
      const report = await app.shutdown();
      const reportedAt = Date.now();
      expect(report.node('cache')!.status).toBe('timedOut');
      expect(report.durationMs).toBeLessThan(DEADLINE_MS);
      const rejectedAt = await Promise.race([pending, new Promise<string>((resolve) => setTimeout(() => resolve('hung'), 1_000).unref())]);
      expect(rejectedAt).toBeTypeOf('number');
      expect((rejectedAt as number) - reportedAt).toBeLessThan(100);
      await expectClean();
    } finally {
      thaw(victim);
    }
  });
});

describe.each(DRIVERS)('$name when Redis dies mid-shutdown', (driver) => {
  let doomed: RedisServer;
  beforeAll(async () => {
    doomed = await startRedis({ useEnv: false });
  });
  afterAll(() => doomed?.stop());

  it('the server is killed (SIGKILL) mid-drain: the reconnect loop is stopped at the cut, nothing is left running', async () => {
    const { app, client, expectClean } = await startApp(driver, doomed.url, 800);
    const blocked = app.inFlight('cache').run(() => client.blpop('doomed:list'));
    blocked.catch(() => {});
    const shutdown = app.shutdown();
    await crash(doomed);
    const report = await shutdown;
    expect(report.durationMs).toBeLessThan(DEADLINE_MS);
    const node = report.node('cache')!;
    if (driver.resendsAfterReconnect) {
      // ioredis keeps the BLPOP to resend it once reconnected: the drain waits for it until the cut.
      expect(node.status).toBe('timedOut');
    } else {
      // node-redis fails it at once; the stop then ends with the server still gone.
      expect(node.status).toBe('failed');
      expect(node.error).toMatchObject({ name: 'RedisConnectionLostError' });
    }
    expect(await settledWithin(blocked, 1_000)).toBe('rejected');
    await expectClean();
  });
});
