import { onAbort, parseOptions, resourceOptionsSchema, type ResourceDefinition, type ResourceOptions, type Token } from '@quiesce/core';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { z } from 'zod';
import { lifecycleFields } from './lifecycle-fields.js';

export interface AmqpPublisherOptions extends ResourceOptions {
  /** Token of the `amqpConnection` resource; the publisher depends on it (stops before it). */
  connection: Token<ChannelModel>;
}

const publisherSchema = resourceOptionsSchema.extend({
  connection: z.custom<Token<ChannelModel>>((v) => ['string', 'symbol', 'function'].includes(typeof v), 'expected the token of an amqpConnection resource'),
});

/**
 * A confirm channel as a lifecycle resource. Wrap publishes in `app.inFlight(token).run(...)` so the
 * stop waits for them; stop then waits for the broker's outstanding confirms and closes the channel
 * (on timeout: closes at once, pending confirm callbacks get "channel closed").
 */
export function amqpPublisher(options: AmqpPublisherOptions): ResourceDefinition<ConfirmChannel> {
  const parsed = parseOptions(publisherSchema, options, 'amqpPublisher');
  const closed = new WeakSet<ConfirmChannel>();
  return {
    ...lifecycleFields(parsed),
    dependsOn: [parsed.connection, ...(parsed.dependsOn ?? [])],
    create: async ({ get }) => {
      const channel = await get(parsed.connection).createConfirmChannel();
      channel.on('error', () => {}); // broker-side channel close: uncaught otherwise; 'close' follows
      channel.on('close', () => closed.add(channel));
      return channel;
    },
    // The force path is registered before the drain: a drain that hangs (a broker alarm blocking
    // publishes, a confirm that never comes) skips stop, and this still closes the channel.
    quiesce: (channel, { signal }) => onAbort(signal, () => void channel.close().catch(() => {})),
    stop: async (channel) => {
      if (closed.has(channel)) return;
      try {
        await channel.waitForConfirms();
        await channel.close();
      } catch (error) {
        if (!closed.has(channel)) throw error;
      }
    },
  };
}
