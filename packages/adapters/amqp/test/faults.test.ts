import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, crash, freeze, leftoverHandles, startRabbitMQ, thaw, watchProcessErrors, type RabbitMQServer } from '@quiesce/test-servers';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqpConnection, amqpConsumer, type AmqpConsumer } from '../src/index.js';
import { until } from './helpers.js';

// One RabbitMQ of this file's own, the "victim": the faults below freeze, close and kill it, so
// they can never hurt the shared server the other test files use. Killed last, by the last test.
let victim: RabbitMQServer;
let admin: { conn: ChannelModel; ch: ConfirmChannel } | undefined;

beforeAll(async () => {
  victim = await startRabbitMQ({ useEnv: false });
});
afterAll(async () => {
  await admin?.conn.close().catch(() => {});
  await victim?.stop();
});

/** A raw connection to the victim, the outside world: publishes with confirms, inspects the queue. */
async function outside(): Promise<ConfirmChannel> {
  if (!admin) {
    const conn = await connect(victim.url, { noDelay: true });
    conn.on('error', () => {});
    // close_all_connections closes this one too: the next call opens a fresh one.
    conn.on('close', () => (admin = undefined));
    admin = { conn, ch: await conn.createConfirmChannel() };
    admin.ch.on('error', () => {});
  }
  return admin.ch;
}

async function publish(queue: string, n: number): Promise<string[]> {
  const ch = await outside();
  await ch.assertQueue(queue, { durable: true });
  const ids = Array.from({ length: n }, (_, i) => `${queue}-${i}`);
  for (const id of ids) ch.sendToQueue(queue, Buffer.from(id), { messageId: id, persistent: true });
  await ch.waitForConfirms(); // the broker acknowledged every one of them
  return ids;
}

/**
 * An app whose handlers block until `release()`: at shutdown exactly `prefetch` deliveries are in
 * the middle of their handler, the situation in which acks become impossible.
 */
function appWithBlockedHandlers(queue: string, prefetch: number, stopTimeoutMs: number) {
  const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
  const handled = new Set<string>();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  app.resource('amqp', amqpConnection({ url: victim.url, stopTimeoutMs }));
  app.resource(
    'consumer',
    amqpConsumer({
      connection: 'amqp',
      queue,
      prefetch,
      stopTimeoutMs,
      handler: async (msg) => {
        await gate;
        handled.add(msg.properties.messageId as string);
      },
    }),
  );
  return { app, handled, release };
}

describe('amqp adapters under broker faults mid-shutdown', () => {
  it('the broker closes the connection mid-drain: both nodes fail with the cause, the consumer counts the redeliveries, the drain stops waiting', async () => {
    const queue = 'fault-forced';
    const all = await publish(queue, 20);
    const { app, handled, release } = appWithBlockedHandlers(queue, 5, 10_000);
    const before = activeHandles();
    const errors = watchProcessErrors();
    await app.start();
    await until(() => app.inFlight('consumer').active === 5, 10_000, '5 handlers running');

    const shutdown = app.shutdown();
    // The drain now waits for 5 handlers that would take 10 s; the broker closes us meanwhile.
    await victim.ctl!(['close_all_connections', 'failover drill']);
    const closedAt = Date.now();
    const report = await shutdown;
    const reportedAt = Date.now();

    const consumer = report.node('consumer')!;
    const connection = report.node('amqp')!;
    expect(report.ok).toBe(false);
    expect(consumer.status).toBe('failed');
    expect(consumer.error).toMatchObject({ name: 'AmqpChannelLostError' });
    expect(consumer.error!.message).toMatch(/CONNECTION-FORCED.*5 unacked deliveries will be redelivered/);
    expect(connection.status).toBe('failed');
    expect(connection.error).toMatchObject({ name: 'AmqpConnectionLostError' });
    expect(connection.error!.message).toMatch(/failover drill/);
    // It did not wait for the handlers (10 s stop timeout), only for the broker's close to arrive.
    expect(reportedAt - closedAt).toBeLessThan(1_500);

    // The handlers finish after the report: their acks are impossible, counted, not thrown.
    release();
    const stats = app.get<AmqpConsumer>('consumer').stats;
    await until(() => stats.unsettled === 5, 2_000, 'the 5 late acks to be counted as unsettled');
    expect(stats.acked).toBe(0);
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);

    // Nothing the broker acknowledged is lost: all 20 are still queued, the 5 handled ones redelivered.
    const ch = await outside();
    const left: Array<{ id: string; redelivered: boolean }> = [];
    for (let msg = await ch.get(queue); msg !== false; msg = await ch.get(queue)) {
      left.push({ id: msg.properties.messageId as string, redelivered: msg.fields.redelivered });
      ch.ack(msg);
    }
    expect(left.map((m) => m.id).sort()).toEqual([...all].sort());
    expect(left.filter((m) => m.redelivered).length).toBe(5);
    expect(handled.size).toBe(5);
  });

  it('the broker freezes (SIGSTOP) mid-shutdown: both nodes time out at their own limit, the socket is destroyed, no handle is left', async () => {
    const queue = 'fault-frozen';
    const all = await publish(queue, 20);
    const { app, handled, release } = appWithBlockedHandlers(queue, 5, 600);
    const before = activeHandles();
    const errors = watchProcessErrors();
    await app.start();
    await until(() => app.inFlight('consumer').active === 5, 10_000, '5 handlers running');

    freeze(victim);
    let report;
    try {
      const began = Date.now();
      report = await app.shutdown();
      // Cancel, channel close and connection close all go unanswered: each node gets its 600 ms.
      expect(Date.now() - began).toBeLessThan(2_500);
      release();
      expect(await leftoverHandles(before, 500)).toEqual({});
    } finally {
      thaw(victim);
    }
    expect(report.node('consumer')!.status).toBe('timedOut');
    expect(report.node('amqp')!.status).toBe('timedOut');
    expect(report.ok).toBe(false);
    expect(errors.stop()).toEqual([]);

    // Thawed, the broker sees our socket gone and requeues: every confirmed message is still there
    // or was handled (an ack written before the freeze may have reached it).
    const ch = await outside();
    const left = new Set<string>();
    for (let i = 0; i < 100 && left.size + handled.size < all.length; i++) {
      for (let msg = await ch.get(queue); msg !== false; msg = await ch.get(queue)) {
        left.add(msg.properties.messageId as string);
        ch.ack(msg);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const id of all) expect(left.has(id) || handled.has(id), `${id} lost`).toBe(true);
  });

  it('the broker is killed (SIGKILL) mid-drain: the consumer fails with the redelivery count at once, the connection with the reset', async () => {
    const queue = 'fault-killed';
    await publish(queue, 20);
    const { app, release } = appWithBlockedHandlers(queue, 5, 10_000);
    await admin?.conn.close().catch(() => {});
    admin = undefined;
    const before = activeHandles();
    const errors = watchProcessErrors();
    await app.start();
    await until(() => app.inFlight('consumer').active === 5, 10_000, '5 handlers running');

    const shutdown = app.shutdown();
    await crash(victim);
    const crashedAt = Date.now();
    const report = await shutdown;
    expect(Date.now() - crashedAt).toBeLessThan(1_500);
    release();

    const consumer = report.node('consumer')!;
    expect(consumer.status).toBe('failed');
    expect(consumer.error!.message).toMatch(/5 unacked deliveries will be redelivered/);
    expect(report.node('amqp')!.status).toBe('failed');
    expect(report.node('amqp')!.error).toMatchObject({ name: 'AmqpConnectionLostError' });
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });
});
