import { type ResourceDefinition, type ResourceOptions, type Token } from '@quiesce/core';
import { lazySchema, lifecycleFields, onAbort, parseOptions, renamedFields, resourceOptionsSchema } from '@quiesce/core/kit';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { closeOrLost } from './close.js';
import { AmqpUnconfirmedError } from './errors.js';

export interface AmqpPublisherOptions extends ResourceOptions {
  /** Token of the `amqpConnection` node; the publisher depends on it (stops before it). (0.x: was `connection`.) */
  connectionToken: Token<ChannelModel>;
}

const publisherSchema = lazySchema((z) =>
  resourceOptionsSchema().extend({
    connectionToken: z.custom<Token<ChannelModel>>((v) => ['string', 'symbol', 'function'].includes(typeof v), 'expected the token of an amqpConnection node'),
    ...renamedFields(z, { connection: 'connectionToken' }),
  }),
);

/**
 * A confirm channel as a lifecycle resource. Wrap publishes in `app.inFlight(token).run(...)` so the
 * stop waits for them; stop then waits for the broker's outstanding confirms and closes the channel
 * (on timeout: closes at once, pending confirm callbacks get "channel closed").
 */
export function amqpPublisher(options: AmqpPublisherOptions): ResourceDefinition<ConfirmChannel> {
  const parsed = parseOptions(publisherSchema, options, 'amqpPublisher');
  const closed = new WeakSet<ConfirmChannel>();
  const closing = new WeakSet<ConfirmChannel>();
  /** Channels closed without our asking, with the publishes still unconfirmed at that moment. */
  const lost = new WeakMap<ConfirmChannel, number>();
  const causes = new WeakMap<ConfirmChannel, unknown>();
  return {
    ...lifecycleFields(parsed).lifecycle,
    dependsOn: [parsed.connectionToken, ...(parsed.dependsOn ?? [])],
    create: async ({ get }) => {
      const connection = get(parsed.connectionToken);
      const channel = await connection.createConfirmChannel();
      // The connection's 'close' carries the cause; it fires right after its channels' 'close'.
      connection.once('close', (cause: unknown) => causes.set(channel, cause));
      channel.on('error', () => {}); // broker-side channel close: uncaught otherwise; 'close' follows
      // Ahead of amqplib's own 'close' listener, which fails and forgets the unconfirmed publishes.
      channel.prependListener('close', () => {
        closed.add(channel);
        if (!closing.has(channel)) lost.set(channel, unconfirmedOf(channel));
      });
      return channel;
    },
    // The force path is registered before the drain: a drain that hangs (a broker alarm blocking
    // publishes, a confirm that never comes) skips stop, and this still closes the channel.
    quiesce: (channel, { signal }) => onAbort(signal, () => void channel.close().catch(() => {})),
    stop: async (channel, ctx) => {
      if (!closed.has(channel)) {
        try {
          await channel.waitForConfirms();
          closing.add(channel);
          await closeOrLost(channel);
        } catch (error) {
          if (!closed.has(channel)) throw error;
        }
      }
      // Closed under us (broker, lost connection): publishes not yet confirmed may not have been stored.
      const unconfirmed = lost.get(channel);
      if (unconfirmed !== undefined && unconfirmed > 0) throw new AmqpUnconfirmedError(ctx.name, unconfirmed, causes.get(channel));
    },
  };
}

/** Publishes the broker has not confirmed yet: amqplib's window of confirm callbacks (null = confirmed), 0.10 to 2.x. */
function unconfirmedOf(channel: ConfirmChannel): number {
  const window = (channel as unknown as { unconfirmed?: unknown[] }).unconfirmed ?? [];
  return window.filter((cb) => cb !== null).length;
}
