import { randomUUID } from 'node:crypto';
import { LifecycleContainer } from '@quiesce/core';
import { startRabbitMQ, type RabbitMQServer } from '@quiesce/test-servers';
import { conformance } from '@quiesce/test-servers/conformance';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { amqpConnection, amqpConsumer } from '../src/index.js';

/**
 * The adapter contract (issue #27) for a consumer: one unit of work is a delivery handled. A
 * request published from outside the app (its own connection) is handled by the consumer node's
 * handler in `ms`, which answers on RabbitMQ's direct reply-to before it resolves (and the adapter
 * acks): the reply is the proof it was handled in full.
 */
interface Held {
  queue: string;
  /** Deliveries that reached the handler. */
  arrived: number;
  /** Publishes a request and resolves with its reply; rejects after `timeoutMs` without one, or when the outside connection is lost. */
  rpc(request: { ms?: number; hang?: true }, timeoutMs: number): Promise<{ done: string }>;
  /** Resolves once a delivery is back in the queue (ready: handed back by the channel's close). */
  requeued(): Promise<'requeued'>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const REPLY_TO = 'amq.rabbitmq.reply-to';

/** The outside world's connection: publishes requests, takes their replies on direct reply-to, inspects the queue. */
async function outside(url: string, queue: string): Promise<{ held: Omit<Held, 'arrived'>; close(): Promise<void> }> {
  const conn: ChannelModel = await connect(url, { noDelay: true });
  conn.on('error', () => {});
  const ch: Channel = await conn.createChannel();
  ch.on('error', () => {});
  await ch.assertQueue(queue, { durable: false });
  const waiting = new Map<string, { resolve(reply: { done: string }): void; reject(error: Error): void; timer: ReturnType<typeof setTimeout> }>();
  const settleAll = (error: Error): void => {
    for (const [, w] of waiting) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    waiting.clear();
  };
  conn.on('close', () => settleAll(new Error('outside connection lost before the reply')));
  await ch.consume(
    REPLY_TO,
    (msg) => {
      const w = msg && waiting.get(msg.properties.correlationId as string);
      if (!msg || !w) return;
      waiting.delete(msg.properties.correlationId as string);
      clearTimeout(w.timer);
      w.resolve(JSON.parse(msg.content.toString()) as { done: string });
    },
    { noAck: true },
  );
  let closed = false;
  return {
    held: {
      queue,
      rpc: (request, timeoutMs) =>
        new Promise((resolve, reject) => {
          const id = randomUUID();
          const timer = setTimeout(() => {
            waiting.delete(id);
            reject(new Error(`no reply within ${timeoutMs} ms: not handled`));
          }, timeoutMs);
          waiting.set(id, { resolve, reject, timer });
          try {
            ch.sendToQueue(queue, Buffer.from(JSON.stringify(request)), { correlationId: id, replyTo: REPLY_TO });
          } catch (error) {
            clearTimeout(timer);
            waiting.delete(id);
            reject(error as Error);
          }
        }),
      requeued: async () => {
        for (const end = Date.now() + 10_000; Date.now() < end && !closed; await sleep(20)) {
          if ((await ch.checkQueue(queue)).messageCount > 0) return 'requeued';
        }
        throw new Error('the delivery was not handed back to the queue');
      },
    },
    close: async () => {
      closed = true;
      settleAll(new Error('closed'));
      await ch.deleteQueue(queue).catch(() => {});
      await conn.close().catch(() => {});
    },
  };
}

conformance<Held, RabbitMQServer>({
  adapter: 'amqp',
  node: 'consumer',
  startServer: () => startRabbitMQ({ useEnv: false }),
  startApp: async (server, { stopTimeoutMs, shutdownTimeoutMs }) => {
    const world = await outside(server.url, `conformance-${randomUUID()}`);
    const held: Held = { ...world.held, arrived: 0 };
    const app = new LifecycleContainer({ shutdownTimeoutMs });
    app.resource('amqp', amqpConnection({ config: server.url, stopTimeoutMs }));
    app.resource(
      'consumer',
      amqpConsumer({
        connectionToken: 'amqp',
        queue: held.queue,
        stopTimeoutMs,
        handler: async (msg, channel) => {
          held.arrived++;
          const { ms, hang } = JSON.parse(msg.content.toString()) as { ms?: number; hang?: true };
          if (hang) return new Promise(() => {});
          await sleep(ms ?? 0);
          // Answered before the handler resolves, so before the adapter acks.
          channel.sendToQueue(msg.properties.replyTo as string, Buffer.from(JSON.stringify({ done: msg.properties.correlationId })), { correlationId: msg.properties.correlationId });
        },
      }),
    );
    try {
      await app.start();
    } catch (error) {
      await world.close();
      throw error;
    }
    return { app, resource: held, close: () => world.close() };
  },
  work: (held, _server, ms) => held.rpc({ ms }, ms + 4_000),
  completed: (reply) => typeof (reply as { done?: unknown }).done === 'string',
  // Never ends by itself: the force path closes the channel and the broker takes the delivery back.
  hang: (held) => Promise.race([held.rpc({ hang: true }, 60_000), held.requeued()]),
  // After basic.cancel nothing is delivered to the consumer (one that still arrives is nacked back): no reply.
  tryNew: (held) => held.rpc({ ms: 0 }, 1_500),
  reached: async (held, _server, count) => {
    for (const end = Date.now() + 10_000; held.arrived < count; await sleep(5)) if (Date.now() > end) throw new Error(`${count} deliveries not handled within 10 s`);
  },
  badOptions: [
    { options: () => amqpConnection({}), field: 'connection' },
    { options: () => amqpConnection({ config: 'http://127.0.0.1:5672' }), field: 'config' },
    { options: () => amqpConnection({ config: 'amqp://127.0.0.1', stopTimeoutMs: -1 }), field: 'stopTimeoutMs' },
    { options: () => amqpConsumer({ connectionToken: 'amqp', queue: 'q', handler: () => {}, prefetch: 0 }), field: 'prefetch' },
    { options: () => amqpConsumer({ connectionToken: 'amqp', queue: '', handler: () => {} }), field: 'queue' },
    { options: () => amqpConsumer({ connectionToken: 'amqp', queue: 'q', handler: () => {}, consumeOptions: { priority: 1.5 } }), field: 'consumeOptions.priority' },
  ],
});
