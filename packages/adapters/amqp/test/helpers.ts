import type {} from '@quiesce/test-servers';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, inject } from 'vitest';

export const amqpUrl = (): string => inject('servers').amqp.url;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll until `check` is true; throws after `timeoutMs` so a test never hangs. */
export async function until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * A raw amqplib connection the tests use as the "outside world": declares and deletes queues,
 * publishes, and drains what the app left behind. Independent of the adapter under test.
 */
export class Broker {
  #conn: ChannelModel | undefined;
  #ch: ConfirmChannel | undefined;
  readonly #queues = new Set<string>();

  async open(): Promise<void> {
    // amqplib leaves Nagle on: an ack frame followed by a basic.get RPC then waits ~40 ms for the delayed TCP ACK.
    this.#conn = await connect(amqpUrl(), { noDelay: true });
    this.#ch = await this.#conn.createConfirmChannel();
  }

  get channel(): ConfirmChannel {
    return this.#ch!;
  }

  async queue(): Promise<string> {
    const name = `quiesce-amqp-test-${randomUUID()}`;
    await this.#ch!.assertQueue(name, { durable: false, autoDelete: false });
    this.#queues.add(name);
    return name;
  }

  /** Remember a queue created by someone else so it is deleted afterwards. */
  track(name: string): string {
    this.#queues.add(name);
    return name;
  }

  /** Publish and wait for the broker's confirms: the messages are in the queue when this resolves. */
  async publish(queue: string, ids: string[]): Promise<void> {
    for (const id of ids) this.#ch!.sendToQueue(queue, Buffer.from(id), { messageId: id });
    await this.#ch!.waitForConfirms();
  }

  async ready(queue: string): Promise<number> {
    return (await this.#ch!.checkQueue(queue)).messageCount;
  }

  /** basic.get until the queue is empty, acking each: what a fresh consumer would receive. */
  async drain(queue: string, max: number): Promise<Array<{ id: string; redelivered: boolean }>> {
    const out: Array<{ id: string; redelivered: boolean }> = [];
    for (let i = 0; i <= max; i++) {
      const msg = await this.#ch!.get(queue, { noAck: false });
      if (msg === false) return out;
      out.push({ id: msg.properties.messageId as string, redelivered: msg.fields.redelivered });
      this.#ch!.ack(msg);
    }
    throw new Error(`more than ${max} messages in ${queue}`);
  }

  async close(): Promise<void> {
    for (const q of this.#queues) await this.#ch?.deleteQueue(q).catch(() => {});
    this.#queues.clear();
    await this.#conn?.close().catch(() => {});
  }
}

/** One broker connection per test (opened before, queues deleted and closed after), for a whole test file. */
export function brokerPerTest(): Broker {
  const broker = new Broker();
  beforeEach(() => broker.open());
  afterEach(() => broker.close());
  return broker;
}
