import { type ResourceDefinition } from '@quiesce/core';
import { forceAt, parseOptions } from '@quiesce/core/kit';
import type { NatsConnection } from '@nats-io/nats-core';
import { NatsConnectionLostError, NatsForceClosedError } from './errors.js';
import { FORCE_RESERVE_MS } from './force.js';
import { natsConnectionOptionsSchema, type NatsConnectionOptions } from './options.js';

/** Default reserveMs: a drain's flush is one round trip, the close one more. */
export const DEFAULT_RESERVE_MS = 200;

/**
 * A NATS connection as a lifecycle resource: `app.resource(Nats, natsConnection({ create: () =>
 * connect({ servers }) }))`. Start flushes (one round trip: the server answers). Stop drains: every
 * subscription still open is unsubscribed and its received messages dispatched, publishes still
 * buffered are flushed, then the connection closes. At the force reserve it is closed instead.
 */
export function natsConnection(options: NatsConnectionOptions): ResourceDefinition<NatsConnection> {
  return defineNatsConnection(options, 'natsConnection');
}

export function defineNatsConnection(options: NatsConnectionOptions, subject: string): ResourceDefinition<NatsConnection> {
  const { connection, create, connect: _renamed, ...lifecycle } = parseOptions(natsConnectionOptionsSchema, options, subject);
  const definition: ResourceDefinition<NatsConnection> = {
    ...lifecycle,
    dependsOn: options.dependsOn,
    reserveMs: lifecycle.reserveMs ?? DEFAULT_RESERVE_MS,
    start: async (nc, ctx) => {
      // A node whose start failed or was cut short is never stopped: close the connection here, or
      // its reconnect loop would outlive the failed start.
      const abandon = (): void => void nc.close().catch(() => undefined);
      ctx.signal.addEventListener('abort', abandon, { once: true });
      try {
        await nc.flush();
      } catch (error) {
        abandon();
        throw error;
      } finally {
        ctx.signal.removeEventListener('abort', abandon);
      }
    },
    stop: async (nc, ctx) => {
      if (nc.isClosed()) {
        // Closed before its stop (server gone and reconnects exhausted): say why, if it was an error.
        const reason = await nc.closed();
        if (reason instanceof Error) throw new NatsConnectionLostError(ctx.name, reason);
        return;
      }
      const force = forceAt(ctx, FORCE_RESERVE_MS);
      try {
        // drain() rejects if someone else began draining: then wait for that drain's close.
        const drained = nc.isDraining() ? nc.closed() : nc.drain();
        const outcome = await Promise.race([
          drained.then(() => 'drained' as const, (error: unknown) => error),
          force.reached,
        ]);
        if (outcome === 'force') {
          await nc.close();
          throw new NatsForceClosedError(ctx.name);
        }
        const reason = await nc.closed();
        if (reason instanceof Error) throw new NatsConnectionLostError(ctx.name, reason);
        if (outcome !== 'drained') throw new NatsConnectionLostError(ctx.name, outcome);
      } finally {
        force.cancel();
      }
    },
  };
  if (connection) definition.value = connection;
  else definition.create = (resolver) => create!(resolver);
  return definition;
}
