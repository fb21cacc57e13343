import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, crash, freeze, leftoverHandles, startRabbitMQ, thaw, watchProcessErrors, type RabbitMQServer } from '@quiesce/test-servers';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqpConnection, amqpConsumer, amqpPublisher, type AmqpConsumer } from '../src/index.js';
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

// The 0.10 line through a package alias; its types are @types/amqplib's, the same shape as 2.x's.
const amqplib010 = (await import('amqplib-0.10' as string)) as typeof import('amqplib');

/** The amqplib majors the adapter supports: the app's connection is opened by each in turn. */
const DRIVERS = [
  { name: 'amqplib 2', connect: (url: string) => connect(url) },
  { name: 'amqplib 0.10', connect: (url: string) => amqplib010.connect(url) as unknown as Promise<ChannelModel> },
];
type Driver = (typeof DRIVERS)[number];

/**
 * An app whose handlers block until `release()`, started and with `prefetch` deliveries in the
 * middle of their handler (the situation in which acks become impossible), plus a publisher; and
 * the checks every fault test makes once the report is in.
 */
async function startBlocked(driver: Driver, queue: string, prefetch: number, stopTimeoutMs: number) {
  const before = activeHandles();
  const errors = watchProcessErrors();
  const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
  const handled = new Set<string>();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  app.resource('amqp', amqpConnection({ connection: await driver.connect(victim.url), stopTimeoutMs }));
  app.resource('publisher', amqpPublisher({ connectionToken: 'amqp', stopTimeoutMs }));
  app.resource(
    'consumer',
    amqpConsumer({
      connectionToken: 'amqp',
      queue,
      prefetch,
      stopTimeoutMs,
      handler: async (msg) => {
        await gate;
        handled.add(msg.properties.messageId as string);
      },
    }),
  );
  await app.start();
  await until(() => app.inFlight('consumer').active === prefetch, 10_000, `${prefetch} handlers running`);
  return {
    app,
    handled,
    release,
    /** No socket or timer of amqplib's keeps the process alive 500 ms after the report; nothing escaped. */
    async expectClean(): Promise<void> {
      release();
      expect(await leftoverHandles(before, 500)).toEqual({});
      expect(errors.stop()).toEqual([]);
    },
  };
}

/** Every message left in `queue`, acked away, with its redelivered flag. */
async function takeAll(queue: string): Promise<Array<{ id: string; redelivered: boolean }>> {
  const ch = await outside();
  const left: Array<{ id: string; redelivered: boolean }> = [];
  for (let msg = await ch.get(queue); msg !== false; msg = await ch.get(queue)) {
    left.push({ id: msg.properties.messageId as string, redelivered: msg.fields.redelivered });
    ch.ack(msg);
  }
  return left;
}

describe.each(DRIVERS)('amqp adapters on $name under broker faults mid-shutdown', (driver) => {
  it('the broker closes the connection mid-drain: every node fails with its cause and count, the drain stops waiting, nothing acknowledged is lost', async () => {
    const queue = `fault-forced-${driver.name}`;
    const all = await publish(queue, 20);
    const { app, handled, expectClean } = await startBlocked(driver, queue, 5, 10_000);
    // A memory alarm blocks publishing: these 3 stay unconfirmed until the connection is closed.
    await victim.ctl!(['set_vm_memory_high_watermark', '0']);
    const publisher = app.get<ConfirmChannel>('publisher');
    const confirms = [1, 2, 3].map(() => new Promise((resolve) => publisher.sendToQueue(`${queue}-out`, Buffer.from('x'), {}, (error) => resolve(error))));

    const shutdown = app.shutdown();
    // The drain now waits for 5 handlers that would take 10 s; the broker closes us meanwhile.
    await victim.ctl!(['close_all_connections', 'failover drill']);
    const closedAt = Date.now();
    const report = await shutdown;
    const reportedAt = Date.now();
    await victim.ctl!(['set_vm_memory_high_watermark', '0.4']);

    expect(report.ok).toBe(false);
    const consumer = report.node('consumer')!;
    expect(consumer.status).toBe('failed');
    expect(consumer.error).toMatchObject({ name: 'AmqpChannelLostError' });
    expect(consumer.error!.message).toMatch(/^consumer: amqp consumer on "fault-forced-[^"]+": channel closed .*CONNECTION.FORCED.*5 unacked deliveries will be redelivered/);
    const pub = report.node('publisher')!;
    expect(pub.status).toBe('failed');
    expect(pub.error!.message).toMatch(/^publisher: amqp publisher: channel closed before the broker confirmed 3 publishes .*failover drill.*may not have been stored/);
    expect(await Promise.all(confirms)).toEqual([expect.any(Error), expect.any(Error), expect.any(Error)]);
    const connection = report.node('amqp')!;
    expect(connection.status).toBe('failed');
    expect(connection.error).toMatchObject({ name: 'AmqpConnectionLostError' });
    expect(connection.error!.message).toMatch(/^amqp: amqp connection: 1 connection was lost before the node closed it \(.*failover drill/);
    // It did not wait for the handlers (10 s stop timeout), only for the broker's close to arrive.
    expect(reportedAt - closedAt).toBeLessThan(1_500);

    // The handlers finish after the report: their acks are impossible, counted, not thrown.
    await expectClean();
    const stats = app.get<AmqpConsumer>('consumer').stats;
    await until(() => stats.unsettled === 5, 2_000, 'the 5 late acks to be counted as unsettled');
    expect(stats.acked).toBe(0);

    // Nothing the broker acknowledged is lost: all 20 are still queued, the 5 handled ones redelivered.
    const left = await takeAll(queue);
    expect(left.map((m) => m.id).sort()).toEqual([...all].sort());
    expect(left.filter((m) => m.redelivered).length).toBe(5);
    expect(handled.size).toBe(5);
  });

  it('the broker freezes (SIGSTOP) mid-shutdown: every node times out at its own limit, the socket is destroyed, no handle is left', async () => {
    const queue = `fault-frozen-${driver.name}`;
    const all = await publish(queue, 20);
    const { app, handled, expectClean } = await startBlocked(driver, queue, 5, 600);
    freeze(victim);
    let report;
    try {
      const began = Date.now();
      report = await app.shutdown();
      // Cancel, channel close and connection close all go unanswered: each node gets its 600 ms.
      expect(Date.now() - began).toBeLessThan(2_500);
      await expectClean();
    } finally {
      thaw(victim);
    }
    expect(report.node('consumer')!.status).toBe('timedOut');
    expect(report.node('amqp')!.status).toBe('timedOut');
    expect(report.ok).toBe(false);

    // Thawed, the broker sees our socket gone and requeues: every confirmed message is still there
    // or was handled (an ack written before the freeze may have reached it).
    const left = new Set<string>();
    for (let i = 0; i < 100 && left.size + handled.size < all.length; i++) {
      for (const m of await takeAll(queue)) left.add(m.id);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const id of all) expect(left.has(id) || handled.has(id), `${id} lost`).toBe(true);
  });
});

describe('amqp adapters when the broker dies mid-shutdown', () => {
  it('the broker is killed (SIGKILL) mid-drain: the consumer fails with the redelivery count at once, the connection with the reset', async () => {
    const queue = 'fault-killed';
    await publish(queue, 20);
    await admin?.conn.close().catch(() => {});
    admin = undefined;
    const { app, expectClean } = await startBlocked(DRIVERS[0]!, queue, 5, 10_000);

    const shutdown = app.shutdown();
    await crash(victim);
    const crashedAt = Date.now();
    const report = await shutdown;
    expect(Date.now() - crashedAt).toBeLessThan(1_500);

    const consumer = report.node('consumer')!;
    expect(consumer.status).toBe('failed');
    expect(consumer.error!.message).toMatch(/^consumer: amqp consumer on "fault-killed": .*5 unacked deliveries will be redelivered/);
    expect(report.node('publisher')!.status).toBe('stopped'); // nothing was left to confirm
    expect(report.node('amqp')!.status).toBe('failed');
    expect(report.node('amqp')!.error).toMatchObject({ name: 'AmqpConnectionLostError' });
    await expectClean();
  });
});
