import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import { Redis } from 'ioredis';
import type { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisModule } from '../src/index.js';
import { connectionsNamed, eventually, unique } from './helpers.js';

const servers = inject('servers');
const prefix = unique('node-redis');
let admin: Redis;

beforeAll(async () => {
  admin = new Redis(servers.redis.url, { connectionName: unique('admin') });
  await admin.ping();
});

afterAll(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

describe('nodeRedisClient (via redisModule) against a real Redis', () => {
  it('a burst of 500 un-awaited writes issued right before shutdown all land', async () => {
    const connectionName = `${prefix}:conn`;
    const before = activeHandles();
    const app = new LifecycleContainer();
    const Cache = Symbol('Cache');
    app.load(redisModule({ token: Cache, driver: 'node-redis', config: { url: servers.redis.url, name: connectionName }, name: 'cache', stopTimeoutMs: 5_000 }));
    await app.start();
    expect(await connectionsNamed(admin, connectionName)).toHaveLength(1);

    const client = app.get<ReturnType<typeof createClient>>(Cache);
    const K = 500;
    let settled = 0;
    const replies = Array.from({ length: K }, (_, i) => client.set(`${prefix}:${i}`, String(i)).finally(() => settled++));
    let pendingWhenStopBegan = -1;
    app.on('stopping', () => (pendingWhenStopBegan = K - settled));
    const report = await app.shutdown();

    expect(pendingWhenStopBegan).toBe(K);
    const outcomes = await Promise.allSettled(replies);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(report.node('cache')?.status).toBe('stopped');
    const keys = Array.from({ length: K }, (_, i) => `${prefix}:${i}`);
    expect(await admin.mget(...keys)).toEqual(keys.map((_, i) => String(i)));
    expect(client.isOpen).toBe(false);
    // node-redis ends the socket itself (no QUIT): the server notices the close a moment later.
    expect(await eventually(async () => (await connectionsNamed(admin, connectionName)).length === 0)).toBe(true);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a subscriber leaves its channels and patterns before the node drains, then closes', async () => {
    const connectionName = `${prefix}:sub`;
    const before = activeHandles();
    const channel = `${prefix}:p:1`;
    const app = new LifecycleContainer();
    const Sub = Symbol('Sub');
    app.load(redisModule({ token: Sub, driver: 'node-redis', config: { url: servers.redis.url, name: connectionName }, name: 'sub', stopTimeoutMs: 5_000 }));
    await app.start();
    const sub = app.get<ReturnType<typeof createClient>>(Sub);
    const received: string[] = [];
    await sub.subscribe(channel, (message) => received.push(`message:${message}`));
    await sub.pSubscribe(`${prefix}:p:*`, (message) => received.push(`pmessage:${message}`));
    expect(await admin.publish(channel, 'before')).toBe(2);
    expect(await eventually(() => received.length === 2)).toBe(true);

    const done = app.inFlight(Sub).track();
    const shutdown = app.shutdown();
    const unsubscribed = await eventually(async () => {
      const [entry] = await connectionsNamed(admin, connectionName);
      return entry?.sub === '0' && entry?.psub === '0';
    });
    expect(unsubscribed).toBe(true);
    expect(await admin.publish(channel, 'during')).toBe(0);
    done();
    expect((await shutdown).node('sub')?.status).toBe('stopped');
    expect(received.sort()).toEqual(['message:before', 'pmessage:before']);
    expect(await eventually(async () => (await connectionsNamed(admin, connectionName)).length === 0)).toBe(true);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a BLPOP 0 in flight is cut at stopTimeoutMs: node timedOut, caller rejected, socket gone', async () => {
    const connectionName = `${prefix}:blpop`;
    const before = activeHandles();
    const app = new LifecycleContainer();
    const Worker = Symbol('Worker');
    app.load(redisModule({ token: Worker, driver: 'node-redis', config: { url: servers.redis.url, name: connectionName }, name: 'worker', stopTimeoutMs: 300 }));
    await app.start();
    const client = app.get<ReturnType<typeof createClient>>(Worker);
    const popped = client.blPop(`${prefix}:jobs`, 0).then(
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
    expect(await popped).toEqual({ error: 'Disconnects client' });
    expect(await leftoverHandles(before)).toEqual({});
  });
});
