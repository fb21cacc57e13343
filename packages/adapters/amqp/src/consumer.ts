import { type HookContext, type InFlight, type ResourceDefinition, type ResourceOptions, type Token } from '@quiesce/core';
import { lazySchema, lifecycleFields, onAbort, parseOptions, renamedFields, resourceOptionsSchema } from '@quiesce/core/kit';
import type { Channel, ChannelModel, ConsumeMessage, Options } from 'amqplib';
import type { z } from 'zod';
import { closeOrLost } from './close.js';
import { AmqpChannelLostError } from './errors.js';

/** Processes one message. Resolve = ack; throw/reject = nack (requeued unless `requeueOnError: false`). Never ack yourself. */
export type AmqpHandler = (msg: ConsumeMessage, channel: Channel) => unknown;

export interface AmqpConsumerOptions extends ResourceOptions {
  /** Token of the `amqpConnection` node; the consumer depends on it (stops before it). (0.x: was `connection`.) */
  connectionToken: Token<ChannelModel>;
  queue: string;
  handler: AmqpHandler;
  /** Unacked deliveries the broker hands this consumer at once = handlers running concurrently. Default 10. */
  prefetch?: number;
  /** Declare the queue before consuming: `true` or amqplib's assertQueue options. */
  assertQueue?: true | Options.AssertQueue;
  /** basic.consume options; `noAck` is not allowed (it would lose messages on shutdown). */
  consumeOptions?: { consumerTag?: string; exclusive?: boolean; priority?: number; arguments?: Record<string, unknown> };
  /** nack(requeue) a message whose handler failed (default), or nack without requeue (dead-letter/drop). */
  requeueOnError?: boolean;
  /** Told about every handler failure (the message is nacked either way). */
  onError?: (error: unknown, msg: ConsumeMessage) => void;
}

const consumerSchema = lazySchema((z) => {
  const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', `expected ${what}`);
  return resourceOptionsSchema().extend({
    connectionToken: z.custom<Token<ChannelModel>>((v) => ['string', 'symbol', 'function'].includes(typeof v), 'expected the token of an amqpConnection node'),
    ...renamedFields(z, { connection: 'connectionToken' }),
    queue: z.string().min(1, 'expected a queue name'),
    handler: fn<AmqpHandler>('an async function (msg, channel) => void'),
    prefetch: z.number().int().min(1).max(65_535).default(10),
    assertQueue: z.union([z.literal(true), z.record(z.string(), z.unknown())]).optional(),
    consumeOptions: z
      .object({ consumerTag: z.string().optional(), exclusive: z.boolean().optional(), priority: z.number().int().optional(), arguments: z.record(z.string(), z.unknown()).optional() })
      .strict()
      .optional(),
    requeueOnError: z.boolean().default(true),
    onError: fn<(error: unknown, msg: ConsumeMessage) => void>('a function (error, msg) => void').optional(),
  });
});
type Parsed = z.output<ReturnType<typeof consumerSchema>>;

export interface AmqpConsumerStats {
  /** Deliveries received from the broker. */
  delivered: number;
  acked: number;
  /** Handler failed → nacked. */
  nacked: number;
  /** Arrived after the node began stopping (between in-flight close and cancel-ok): not handled, nacked with requeue. */
  returned: number;
  /** ack/nack impossible because the channel was already closed (force path): the broker requeued the message. */
  unsettled: number;
}

/** The consumer resource's value: its channel, consumer tag and counters. */
export class AmqpConsumer {
  channel: Channel | undefined;
  consumerTag: string | undefined;
  readonly stats: AmqpConsumerStats = { delivered: 0, acked: 0, nacked: 0, returned: 0, unsettled: 0 };
  /** The last error the channel reported (a broker-side channel close, say). */
  lastError: unknown;
  #closed = false;
  #closing: Promise<void> | undefined;
  #brokerCancelled = false;
  /** In-flight releases of the handlers running now: called early when their acks become impossible. */
  readonly #running = new Set<() => void>();
  /** Set when the channel closed without our asking; the stop then reports it. */
  #lost: { redelivered: number; connectionCause?: unknown } | undefined;

  constructor(
    readonly connection: ChannelModel,
    readonly options: Parsed,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Deliveries received and not yet acked, nacked or returned: what the broker redelivers if the channel closes now. */
  get unacked(): number {
    const s = this.stats;
    return s.delivered - s.acked - s.nacked - s.returned - s.unsettled;
  }

  async start(ctx: HookContext): Promise<void> {
    const { queue, prefetch, assertQueue, consumeOptions } = this.options;
    const inFlight = ctx.inFlight;
    const ch = (this.channel = await this.connection.createChannel());
    // A channel closed by the broker (unknown delivery tag, queue gone...) emits 'error': without a listener that crashes the process.
    ch.on('error', (error: unknown) => (this.lastError = error));
    ch.on('close', () => this.#onClose());
    // The connection's 'close' carries the cause (CONNECTION_FORCED, ECONNRESET); it fires right
    // after its channels' 'close', which carries none.
    this.connection.once('close', (cause: unknown) => {
      if (this.#lost) this.#lost.connectionCause = cause;
    });
    const abort = (): void => void this.close().catch(() => {});
    ctx.signal.addEventListener('abort', abort, { once: true });
    try {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (assertQueue) await ch.assertQueue(queue, assertQueue === true ? undefined : assertQueue);
      await ch.prefetch(prefetch);
      const ok = await ch.consume(queue, (msg) => this.#deliver(ch, msg, inFlight), { ...consumeOptions, noAck: false });
      this.consumerTag = ok.consumerTag;
    } catch (error) {
      await this.close().catch(() => {});
      throw error;
    } finally {
      ctx.signal.removeEventListener('abort', abort);
    }
  }

  /** basic.cancel: the broker sends nothing more. The abort listener stays for the drain that follows. */
  async quiesce(ctx: HookContext): Promise<void> {
    onAbort(ctx.signal, () => void this.close().catch(() => {}));
    if (ctx.signal.aborted) return;
    if (!this.channel || !this.consumerTag || this.#closed || this.#brokerCancelled) return;
    try {
      await this.channel.cancel(this.consumerTag);
    } catch (error) {
      // Without cancel-ok the consumer may still receive; closing hands everything unacked back.
      await this.close().catch(() => {});
      if (!this.#closed) throw error;
    }
  }

  /** The stop hook: close the channel, and fail if it had been closed under us with deliveries unsettled. */
  async stop(ctx: Pick<HookContext, 'name'>): Promise<void> {
    await this.close();
    const lost = this.#lost;
    if (lost) throw new AmqpChannelLostError(ctx.name, this.options.queue, lost.redelivered, this.lastError ?? lost.connectionCause);
  }

  #onClose(): void {
    this.#closed = true;
    if (this.#closing) return; // ours
    // Closed by the other side: every delivery not yet settled is requeued by the broker, and the
    // acks its handlers would send are impossible. Waiting for them would only burn the node's time.
    const s = this.stats;
    this.#lost = { redelivered: this.unacked };
    for (const release of this.#running) release();
    this.#running.clear();
  }

  /** Close the channel: whatever is still unacked goes back to the queue (redelivered, never lost). Idempotent. */
  close(): Promise<void> {
    if (!this.channel || this.#closed) return Promise.resolve();
    // A second channel.close() throws "Channel closing": share the first.
    this.#closing ??= closeOrLost(this.channel);
    return this.#closing;
  }

  // amqplib dispatches every delivery synchronously from the socket reader, so there is no client-side
  // buffer of undispatched messages; a throw here would make amqplib close the channel with an error.
  #deliver(ch: Channel, msg: ConsumeMessage | null, inFlight: InFlight): void {
    if (msg === null) {
      this.#brokerCancelled = true;
      this.lastError = new Error(`amqp consumer on "${this.options.queue}" was cancelled by the broker (queue deleted?)`);
      return;
    }
    this.stats.delivered++;
    let done: () => void;
    try {
      done = inFlight.track();
    } catch {
      // Stopping (in-flight closed before our basic.cancel took effect): not handled, so not acked.
      // The nack travels behind the cancel on this channel, so the broker cannot hand it back to us.
      this.#settle(() => ch.nack(msg, false, true), 'returned');
      return;
    }
    this.#running.add(done);
    void this.#handle(ch, msg, done);
  }

  async #handle(ch: Channel, msg: ConsumeMessage, done: () => void): Promise<void> {
    try {
      await this.options.handler(msg, ch);
      this.#settle(() => ch.ack(msg), 'acked');
    } catch (error) {
      this.#settle(() => ch.nack(msg, false, this.options.requeueOnError), 'nacked');
      try {
        this.options.onError?.(error, msg);
      } catch {
        // a throwing observer must not become an unhandled rejection
      }
    } finally {
      this.#running.delete(done);
      done(); // after the ack is written: the channel close queued behind it cannot overtake it
    }
  }

  #settle(send: () => void, counter: 'acked' | 'nacked' | 'returned'): void {
    try {
      send();
      this.stats[counter]++;
    } catch {
      this.stats.unsettled++; // IllegalOperationError "Channel closed": the broker already requeued it
    }
  }
}

/**
 * A queue consumer as a lifecycle resource:
 * `app.resource('orders', amqpConsumer({ connectionToken: 'amqp', queue: 'orders', handler }))`.
 * Stop: in-flight refuses new work → basic.cancel → wait for running handlers (each acks when it
 * resolves) → close the channel. Time up: the channel is closed at once; unacked messages are requeued.
 * Channel closed by the broker or a lost connection: the wait ends at once and the node fails with
 * `AmqpChannelLostError` counting the deliveries that will be redelivered.
 */
export function amqpConsumer(options: AmqpConsumerOptions): ResourceDefinition<AmqpConsumer> {
  const parsed = parseOptions(consumerSchema, options, `amqpConsumer(${String(options?.queue)})`);
  return {
    ...lifecycleFields(parsed).lifecycle,
    dependsOn: [parsed.connectionToken, ...(parsed.dependsOn ?? [])],
    create: ({ get }) => new AmqpConsumer(get(parsed.connectionToken), parsed),
    start: (consumer, ctx) => consumer.start(ctx),
    quiesce: (consumer, ctx) => consumer.quiesce(ctx),
    stop: (consumer, ctx) => consumer.stop(ctx),
    // Read when the node's time runs out: the report says how many deliveries go back to the queue.
    pending: (consumer) => {
      const n = consumer.unacked;
      return n > 0 ? `${n} unacked ${n === 1 ? 'delivery' : 'deliveries'} (the broker requeues them)` : undefined;
    },
  };
}
