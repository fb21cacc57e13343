import net from 'node:net';
import { LifecycleContainer } from '@quiesce/core';
import { ConnectionsLostError } from '@quiesce/core/kit';
import { activeHandles, crash, freeze, leftoverHandles, startRedis, thaw, watchProcessErrors, type RedisServer } from '@quiesce/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnectionLostError } from '../src/index.js';
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
      expect(node.error).toMatchObject({ name: 'RedisConnectionLostError', message: expect.stringMatching(/^cache: redis client: 1 connection was lost when the stop came to close it \(not re-established\) \(/) });
    }
    expect(await settledWithin(blocked, 1_000)).toBe('rejected');
    await expectClean();
  });
});

/** A loopback TCP relay to `url`'s server that can be cut: its connections reset and its port closed, as a network fault would. */
async function relayTo(url: string): Promise<{ url: string; cut(): Promise<void> }> {
  const { hostname, port } = new URL(url);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

describe.each(DRIVERS.filter((d) => d.name.endsWith(' 6')))('$name: two clients whose connections are lost mid-shutdown', (driver) => {
  it('each fails with RedisConnectionLostError naming its own node (message and error.node)', async () => {
    const before = activeHandles();
    const relay = await relayTo(victim.url);
    const nodes = ['cache-a', 'cache-b'];
    const app = new LifecycleContainer({ shutdownTimeoutMs: 8_000 });
    for (const node of nodes) app.resource(node, driver.resource(relay.url, 2_000));
    const connectionErrors = new Map(nodes.map((node) => [node, 0]));
    // Stops first (it depends on both clients): cuts the network under them, then waits until each
    // driver has met the closed port a few times (ioredis' retry delay grows 50 ms a try), so each
    // client is between two reconnect attempts when its own stop comes.
    app.resource('cut', {
      value: 1,
      dependsOn: nodes,
      stopTimeoutMs: 4_000,
      stop: async () => {
        await relay.cut();
        const seen = new Map(connectionErrors);
        expect(await eventually(() => nodes.every((node) => connectionErrors.get(node)! >= seen.get(node)! + 3), 3_000)).toBe(true);
      },
    });
    const thrown = new Map<string, unknown>();
    app.on('failed', (e) => thrown.set(e.node, e.error));
    await app.start();
    for (const node of nodes) {
      // Also keeps the adapter's own 'error' listener from turning each refusal into a process warning.
      app.get<{ on(event: 'error', listener: () => void): unknown }>(node).on('error', () => connectionErrors.set(node, connectionErrors.get(node)! + 1));
    }
    const report = await app.shutdown();
    expect(report.node('cut')!.status).toBe('stopped');
    for (const node of nodes) {
      expect(report.node(node)).toMatchObject({
        status: 'failed',
        error: { name: 'RedisConnectionLostError', code: 'QUIESCE_REDIS_CONNECTION_LOST', message: expect.stringMatching(new RegExp(`^${node}: redis client: 1 connection was lost when the stop came to close it \\(not re-established\\) \\(`)) },
      });
      const error = thrown.get(node);
      expect(error).toBeInstanceOf(RedisConnectionLostError);
      expect(error).toBeInstanceOf(ConnectionsLostError);
      expect(error).toMatchObject({ node, lost: 1 });
    }
    expect(report.durationMs).toBeLessThan(8_000);
    expect(await leftoverHandles(before, 500)).toEqual({});
  });
});
