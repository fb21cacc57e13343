import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { amqpConnection, amqpConsumer, type AmqpConsumer } from '../src/index.js';
import { amqpUrl, brokerPerTest, sleep, until } from './helpers.js';

const broker = brokerPerTest();

const ids = (n: number, prefix = 'm'): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const idOf = (msg: ConsumeMessage): string => msg.properties.messageId as string;

/**
 * The at-least-once contract after a shutdown followed by a drain of the queue:
 * handled by the app ∪ drained = every id, no overlap (what the app handled was acked and never came
 * back), the app handled each id once, and the only redeliveries are what the app received but did
 * not handle (nacked back while stopping).
 */
function assertNothingLost(
  all: string[],
  handled: Map<string, number>,
  seenByApp: Map<string, boolean>,
  drained: Array<{ id: string; redelivered: boolean }>,
  consumer: AmqpConsumer,
): Array<{ id: string; redelivered: boolean }> {
  const drainedIds = drained.map((d) => d.id);
  expect(new Set([...handled.keys(), ...drainedIds]).size).toBe(all.length);
  expect(handled.size + drained.length).toBe(all.length);
  for (const [id, n] of handled) expect(n, `handled ${id}`).toBe(1);
  for (const id of drainedIds) expect(handled.has(id), `${id} was acked by the app and came back`).toBe(false);

  // Acked exactly once: every handled message was acked and none came back; the drain acked the rest.
  const s = consumer.stats;
  expect(s.acked).toBe(handled.size);
  expect(s.unsettled).toBe(0);
  expect(s.nacked).toBe(0);
  expect(s.delivered).toBe(s.acked + s.returned);

  // Redelivered flag only on what the app received but did not handle.
  const redelivered = drained.filter((d) => d.redelivered);
  expect(redelivered.length).toBe(s.returned);
  for (const d of drained) if (!d.redelivered) expect(seenByApp.has(d.id), `${d.id} reached a handler yet came back`).toBe(false);
  for (const first of seenByApp.values()) expect(first, 'the app saw a redelivery').toBe(false);
  return redelivered;
}

function stopOrder(app: LifecycleContainer): string[] {
  const order: string[] = [];
  app.on('stopped', (e) => order.push(e.node));
  app.on('timedOut', (e) => order.push(e.node));
  return order;
}

describe('amqpConsumer: graceful shutdown against a real RabbitMQ', () => {
  it('shutdown mid-stream loses nothing: every message is handled and acked exactly once, or returned to the queue', async () => {
    const before = activeHandles();
    const M = 200;
    const queue = await broker.queue();
    const all = ids(M);
    await broker.publish(queue, all);
    expect(await broker.ready(queue)).toBe(M);

    const handled = new Map<string, number>();
    const seenByApp = new Map<string, boolean>(); // id → redelivered flag on first sight
    let running = 0;
    let maxRunning = 0;
    const app = new LifecycleContainer({ shutdownTimeoutMs: 15_000 });
    app.resource('amqp', amqpConnection({ config: amqpUrl() }));
    app.resource(
      'orders',
      amqpConsumer({
        connectionToken: 'amqp',
        queue,
        prefetch: 10,
        stopTimeoutMs: 10_000,
        handler: async (msg) => {
          seenByApp.set(idOf(msg), msg.fields.redelivered);
          maxRunning = Math.max(maxRunning, ++running);
          await sleep(20 + Math.random() * 20);
          running--;
          handled.set(idOf(msg), (handled.get(idOf(msg)) ?? 0) + 1);
        },
      }),
    );
    const order = stopOrder(app);
    await app.start();
    const consumer = app.get<AmqpConsumer>('orders');

    await until(() => handled.size >= 60, 10_000, '60 handled messages');
    const inFlightAtShutdown = app.inFlight('orders').active;
    const report = await app.shutdown();
    const drained = await broker.drain(queue, M + 10);

    // The report: both stopped, the consumer strictly before the connection.
    expect(report.ok).toBe(true);
    const c = report.node('orders')!;
    const conn = report.node('amqp')!;
    expect(c.status).toBe('stopped');
    expect(conn.status).toBe('stopped');
    expect(c.endOffsetMs!).toBeLessThanOrEqual(conn.startOffsetMs!);
    expect(order).toEqual(['orders', 'amqp']);

    // Work was really in flight when we pulled the plug, and all of it finished.
    expect(inFlightAtShutdown).toBeGreaterThan(0);
    expect(handled.size).toBeLessThan(M); // mid-stream, not after the fact
    expect(maxRunning).toBeLessThanOrEqual(10); // prefetch bounds concurrency
    expect(app.inFlight('orders').active).toBe(0);

    const redelivered = assertNothingLost(all, handled, seenByApp, drained, consumer);
    expect(consumer.closed).toBe(true);
    const s = consumer.stats;

    console.info(
      `[amqp headline] M=${M} handled=${handled.size} inFlightAtShutdown=${inFlightAtShutdown} returned=${s.returned} drained=${drained.length} ` +
        `(redelivered ${redelivered.length}) consumer stop ${c.durationMs?.toFixed(1)} ms, connection stop ${conn.durationMs?.toFixed(1)} ms`,
    );
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('deliveries racing the cancel (already on the wire when the node stops) are nacked back unhandled, never acked', async () => {
    const before = activeHandles();
    // Instant handlers keep the broker streaming, so at the moment of shutdown deliveries are in
    // flight between the broker and amqplib: they reach the callback after in-flight has closed.
    const M = 3_000;
    const queue = await broker.queue();
    const all = ids(M, 'r');
    await broker.publish(queue, all);
    const handled = new Map<string, number>();
    const seenByApp = new Map<string, boolean>();
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ config: amqpUrl() }));
    app.resource(
      'fast',
      amqpConsumer({
        connectionToken: 'amqp',
        queue,
        prefetch: 100,
        handler: async (msg) => {
          seenByApp.set(idOf(msg), msg.fields.redelivered);
          await Promise.resolve();
          handled.set(idOf(msg), (handled.get(idOf(msg)) ?? 0) + 1);
        },
      }),
    );
    await app.start();
    const consumer = app.get<AmqpConsumer>('fast');
    await until(() => handled.size >= 300, 10_000, '300 handled');
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    const drained = await broker.drain(queue, M + 10);
    expect(handled.size).toBeLessThan(M);
    assertNothingLost(all, handled, seenByApp, drained, consumer);
    // The path was exercised, and bounded by prefetch: a nacked message was not handed back to us
    // (the nack travels behind basic.cancel), so there is no nack/redeliver churn.
    expect(consumer.stats.returned).toBeGreaterThan(0);
    expect(consumer.stats.returned).toBeLessThanOrEqual(100);
    console.info(`[amqp race] M=${M} handled=${handled.size} returned (nacked back unhandled)=${consumer.stats.returned} drained=${drained.length}`);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a handler in flight at shutdown completes and its ack is accepted (the message does not come back)', async () => {
    const before = activeHandles();
    const queue = await broker.queue();
    await broker.publish(queue, ['only']);
    let started = false;
    let finished = false;
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ config: amqpUrl() }));
    app.resource(
      'slow',
      amqpConsumer({
        connectionToken: 'amqp',
        queue,
        stopTimeoutMs: 5_000,
        handler: async () => {
          started = true;
          await sleep(400);
          finished = true;
        },
      }),
    );
    await app.start();
    const consumer = app.get<AmqpConsumer>('slow');
    await until(() => started, 5_000, 'handler start');
    expect(app.inFlight('slow').active).toBe(1);

    const report = await app.shutdown();
    expect(finished).toBe(true);
    expect(report.ok).toBe(true);
    expect(report.node('slow')!.status).toBe('stopped');
    expect(report.node('slow')!.durationMs!).toBeGreaterThan(200); // it waited for the handler
    expect(consumer.stats).toMatchObject({ delivered: 1, acked: 1, unsettled: 0, returned: 0 });
    expect(await broker.ready(queue)).toBe(0);
    expect(await broker.drain(queue, 5)).toEqual([]);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('timeout: a hung handler → consumer timedOut, its channel closed by the force path, the message redelivered', async () => {
    const before = activeHandles();
    const queue = await broker.queue();
    await broker.publish(queue, ['stuck']);
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource('amqp', amqpConnection({ config: amqpUrl() }));
    app.resource(
      'stuck',
      amqpConsumer({
        connectionToken: 'amqp',
        queue,
        stopTimeoutMs: 300,
        handler: async () => {
          started = true;
          await hung;
        },
      }),
    );
    // Keeps the connection open for 1.5 s after the consumer settles, so what we observe in that
    // window is the consumer's own force path, not the connection close.
    let connectionStopBegan = false;
    app.resource('holder', {
      value: {},
      dependsOn: ['amqp'],
      stop: () => sleep(1_500),
    });
    app.on('stopping', (e) => {
      if (e.node === 'amqp') connectionStopBegan = true;
    });
    await app.start();
    const consumer = app.get<AmqpConsumer>('stuck');
    const conn = app.get<ChannelModel>('amqp');
    await until(() => started, 5_000, 'handler start');

    const t0 = performance.now();
    const shutdown = app.shutdown();
    await until(() => consumer.closed, 3_000, 'channel closed');
    const closedAfterMs = performance.now() - t0;
    expect(connectionStopBegan).toBe(false);
    // The broker already gave the message back, while our connection is still open.
    const back = await broker.drain(queue, 5);
    expect(back).toEqual([{ id: 'stuck', redelivered: true }]);
    expect(connectionStopBegan).toBe(false);

    const report = await shutdown;
    const node = report.node('stuck')!;
    expect(node.status).toBe('timedOut');
    expect(node.cut).toEqual({ phase: 'drain', open: ['1 in-flight unit of work', '1 unacked delivery (the broker requeues them)'] });
    expect(node.durationMs!).toBeGreaterThanOrEqual(250);
    expect(node.durationMs!).toBeLessThan(1_500);
    expect(closedAfterMs).toBeGreaterThanOrEqual(250);
    expect(closedAfterMs).toBeLessThan(1_500);
    expect(report.node('amqp')!.status).toBe('stopped');
    expect(report.ok).toBe(false);
    let connClosed = false;
    conn.on('close', () => (connClosed = true));
    await conn.close().catch(() => (connClosed = true)); // already closed → IllegalOperationError
    expect(connClosed).toBe(true);

    // The late handler finishes: its ack cannot be sent any more and is counted, not thrown.
    release();
    await until(() => consumer.stats.unsettled === 1, 2_000, 'late ack counted');
    expect(consumer.stats.acked).toBe(0);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a failing handler nacks with requeue; the redelivery is handled and acked', async () => {
    const before = activeHandles();
    const queue = await broker.queue();
    await broker.publish(queue, ['flaky']);
    const deliveries: boolean[] = [];
    const errors: unknown[] = [];
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ config: amqpUrl() }));
    app.resource(
      'flaky',
      amqpConsumer({
        connectionToken: 'amqp',
        queue,
        onError: (error) => {
          errors.push(error);
          throw new Error('a broken observer must not become an unhandled rejection');
        },
        handler: async (msg) => {
          deliveries.push(msg.fields.redelivered);
          if (!msg.fields.redelivered) throw new Error('first attempt fails');
        },
      }),
    );
    await app.start();
    const consumer = app.get<AmqpConsumer>('flaky');
    await until(() => consumer.stats.acked === 1, 5_000, 'second attempt acked');
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(deliveries).toEqual([false, true]);
    expect(errors).toHaveLength(1);
    expect(consumer.stats).toMatchObject({ delivered: 2, nacked: 1, acked: 1 });
    expect(await broker.ready(queue)).toBe(0);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('requeueOnError: false drops (or dead-letters) a failed message', async () => {
    const before = activeHandles();
    const queue = await broker.queue();
    await broker.publish(queue, ['poison']);
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ config: amqpUrl() }));
    app.resource(
      'strict',
      amqpConsumer({
        connectionToken: 'amqp',
        queue,
        requeueOnError: false,
        handler: async () => {
          throw new Error('poison');
        },
      }),
    );
    await app.start();
    const consumer = app.get<AmqpConsumer>('strict');
    await until(() => consumer.stats.nacked === 1, 5_000, 'nack');
    await sleep(100);
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(consumer.stats.delivered).toBe(1);
    expect(await broker.ready(queue)).toBe(0);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a queue deleted under a running consumer (broker-side cancel) is recorded, and shutdown stays clean', async () => {
    const before = activeHandles();
    const queue = await broker.queue();
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ config: amqpUrl() }));
    app.resource('orphan', amqpConsumer({ connectionToken: 'amqp', queue, handler: async () => {} }));
    await app.start();
    const consumer = app.get<AmqpConsumer>('orphan');
    await broker.channel.deleteQueue(queue);
    await until(() => consumer.lastError !== undefined, 5_000, 'broker cancel');
    expect(String(consumer.lastError)).toMatch(/cancelled by the broker/);
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('orphan')!.status).toBe('stopped');
    expect(consumer.closed).toBe(true);
    expect(await leftoverHandles(before)).toEqual({});
  });
});
