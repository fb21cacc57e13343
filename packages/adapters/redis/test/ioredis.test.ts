import net from 'node:net';
import { LifecycleContainer, StartError } from '@quiesce/core';
import { activeHandles, invalidOptions, leftoverHandles } from '@quiesce/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ioredisClient, nodeRedisClient, redisModule } from '../src/index.js';
import { connectionsNamed, eventually, unique } from './helpers.js';

const servers = inject('servers');
let admin: Redis;
const prefixes: string[] = [];

beforeAll(async () => {
  admin = new Redis(servers.redis.url, { connectionName: unique('admin') });
  await admin.ping();
});

afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  await admin.quit();
});

function testPrefix(label: string): string {
  const prefix = unique(label);
  prefixes.push(prefix);
  return prefix;
}

describe('ioredisClient: graceful stop against a real Redis', () => {
  it.each([false, true])('a burst of 500 un-awaited writes issued right before shutdown all land (enableAutoPipelining: %s)', async (enableAutoPipelining) => {
    const prefix = testPrefix('burst');
    const before = activeHandles();
    const connectionName = `${prefix}:conn`;
    const app = new LifecycleContainer();
    const Cache = Symbol('Cache');
    app.resource(Cache, ioredisClient({ config: { url: servers.redis.url, connectionName, enableAutoPipelining }, name: 'cache', stopTimeoutMs: 5_000 }));
    await app.start();
    expect(await connectionsNamed(admin, connectionName)).toHaveLength(1);

    const client = app.get<Redis>(Cache);
    const K = 500;
    let settled = 0;
    const replies = Array.from({ length: K }, (_, i) => client.set(`${prefix}:${i}`, String(i)).finally(() => settled++));
    let pendingWhenStopBegan = -1;
    app.on('stopping', () => (pendingWhenStopBegan = K - settled));
    const report = await app.shutdown();

    // The stop began while every write was still unanswered, and every caller still got its reply.
    expect(pendingWhenStopBegan).toBe(K);
    const outcomes = await Promise.allSettled(replies);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(report.node('cache')?.status).toBe('stopped');
    const keys = Array.from({ length: K }, (_, i) => `${prefix}:${i}`);
    expect(await admin.mget(...keys)).toEqual(keys.map((_, i) => String(i)));
    // QUIT, then the server closed the socket: gone from the server's list the moment stop returned.
    expect(client.status).toBe('end');
    expect(await connectionsNamed(admin, connectionName)).toEqual([]);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a subscriber leaves its channels and patterns before the node drains, then closes', async () => {
    const prefix = testPrefix('sub');
    const before = activeHandles();
    const connectionName = `${prefix}:conn`;
    const channel = `${prefix}:p:1`;
    const app = new LifecycleContainer();
    const Sub = Symbol('Sub');
    app.resource(Sub, ioredisClient({ config: { url: servers.redis.url, connectionName }, name: 'sub', stopTimeoutMs: 5_000 }));
    await app.start();
    const sub = app.get<Redis>(Sub);
    const received: string[] = [];
    sub.on('message', (_channel: string, message: string) => received.push(`message:${message}`));
    sub.on('pmessage', (_pattern: string, _channel: string, message: string) => received.push(`pmessage:${message}`));
    await sub.subscribe(channel);
    await sub.psubscribe(`${prefix}:p:*`);

    expect(await admin.publish(channel, 'before')).toBe(2);
    expect(await eventually(() => received.length === 2)).toBe(true);

    // Hold the node in its drain phase (in-flight work) so "during drain" can be observed.
    const done = app.inFlight(Sub).track();
    const shutdown = app.shutdown();
    const unsubscribed = await eventually(async () => {
      const [entry] = await connectionsNamed(admin, connectionName);
      return entry?.sub === '0' && entry?.psub === '0';
    });
    expect(unsubscribed).toBe(true);
    // Still connected (draining), but the server has no subscriber left to deliver to.
    expect(await connectionsNamed(admin, connectionName)).toHaveLength(1);
    expect(await admin.publish(channel, 'during')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual(['message:before', 'pmessage:before']);

    done();
    const report = await shutdown;
    expect(report.node('sub')?.status).toBe('stopped');
    expect(await admin.publish(channel, 'after')).toBe(0);
    expect(received).toEqual(['message:before', 'pmessage:before']);
    expect(await connectionsNamed(admin, connectionName)).toEqual([]);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a BLPOP 0 in flight does not hold shutdown: cut at stopTimeoutMs, node timedOut, socket gone', async () => {
    const prefix = testPrefix('blpop');
    const before = activeHandles();
    const connectionName = `${prefix}:conn`;
    const list = `${prefix}:jobs`;
    const app = new LifecycleContainer();
    const Worker = Symbol('Worker');
    app.resource(Worker, ioredisClient({ config: { url: servers.redis.url, connectionName }, name: 'worker', stopTimeoutMs: 300 }));
    await app.start();
    const client = app.get<Redis>(Worker);
    const popped = client.blpop(list, 0).then(
      (value) => ({ value }),
      (error: Error) => ({ error: error.message }),
    );
    expect(await eventually(async () => (await connectionsNamed(admin, connectionName))[0]?.cmd === 'blpop')).toBe(true);

    const began = performance.now();
    const report = await app.shutdown();
    const elapsedMs = performance.now() - began;

    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(1_000);
    expect(report.node('worker')?.status).toBe('timedOut');
    expect(await eventually(async () => (await connectionsNamed(admin, connectionName)).length === 0)).toBe(true);
    // The caller of the cut command is told, not left hanging.
    expect(await popped).toEqual({ error: 'Connection is closed.' });
    // The cut popped nothing: a job pushed now is still there for the next worker.
    await admin.rpush(list, 'job-1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await admin.lrange(list, 0, -1)).toEqual(['job-1']);
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('options and start failures', () => {
  const invalid = invalidOptions;

  it('rejects bad options with InvalidOptionsError naming the field', () => {
    expect(invalid(() => ioredisClient({ config: 'http://127.0.0.1:6379' })).message).toMatch(/ioredisClient: config: .*expected a redis:\/\//);
    expect(invalid(() => ioredisClient({ config: 'redis://127.0.0.1:6379', stopTimeoutMs: -1 })).issues.map((i) => i.field)).toEqual(['stopTimeoutMs']);
    expect(invalid(() => ioredisClient({ config: 'redis://x', urll: 'redis://x' } as never)).issues.map((i) => i.field)).toEqual(['urll']);
    expect(invalid(() => ioredisClient({ client: {} as never })).issues.map((i) => i.field)).toEqual(['client']);
    const client = new Redis({ lazyConnect: true });
    expect(invalid(() => ioredisClient({ client, config: servers.redis.url })).issues.map((i) => i.field)).toEqual(['config']);
    expect(invalid(() => nodeRedisClient({ config: 42 as never })).issues.map((i) => i.field)).toEqual(['config']);
    expect(invalid(() => redisModule({ token: 'cache', driver: 'memcached' } as never)).issues.map((i) => i.field)).toEqual(['driver']);
    expect(invalid(() => redisModule({ token: 'cache', driver: 'node-redis', policy: 'sometimes' } as never)).issues.map((i) => i.field)).toEqual(['policy']);
  });

  async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it.each(['ioredis', 'node-redis'] as const)('%s: an unreachable port fails start() with StartError naming the node, and the client is closed', async (driver) => {
    const port = await closedPort();
    const before = activeHandles();
    const app = new LifecycleContainer();
    const Cache = Symbol('Cache');
    app.load(redisModule({ token: Cache, driver, config: `redis://127.0.0.1:${port}`, name: 'cache', startTimeoutMs: 10_000 }));
    const began = performance.now();
    const error = await app.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).node).toBe('cache');
    expect((error as StartError).message).toMatch(/"cache".*ECONNREFUSED/);
    // Failed on the first refusal, not after the driver's retries or the 10 s start timeout
    // (the margin covers loading the driver module for the first time in this worker).
    expect(performance.now() - began).toBeLessThan(5_000);
    // No reconnect loop left behind: the client ends (the socket's close event may come a tick later)
    // and stays ended past the drivers' first retry delays (ioredis 50 ms, node-redis 50-250 ms).
    const client = app.get<Redis | { isOpen: boolean }>(Cache);
    const closed = (): boolean => (driver === 'ioredis' ? (client as Redis).status === 'end' : !(client as { isOpen: boolean }).isOpen);
    expect(await eventually(closed, 1_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(closed()).toBe(true);
    // No socket, reconnect timer or start timer of the failed start is left.
    expect(await leftoverHandles(before)).toEqual({});
  });
});
