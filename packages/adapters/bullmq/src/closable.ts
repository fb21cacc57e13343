import { type ResourceDefinition } from '@quiesce/core';
import { forceAt, parseOptions } from '@quiesce/core/kit';
import type { Queue, QueueEvents } from 'bullmq';
import { cutConnections, forgetClosedSockets } from './cut.js';
import { readyOrAbandoned } from './ready.js';
import { BullConnectionForceClosedError } from './errors.js';
import { FORCE_RESERVE_MS } from './force.js';
import { bullQueueEventsOptionsSchema, bullQueueOptionsSchema, type BullQueueEventsOptions, type BullQueueOptions } from './options.js';

type Closable = Queue | QueueEvents;

function closeOrDisconnect<T extends Closable>(what: (c: T) => string): Pick<ResourceDefinition<T>, 'start' | 'stop'> {
  return {
    start: (c, ctx) =>
      readyOrAbandoned(() => c.waitUntilReady(), async () => {
        forgetClosedSockets(c);
        cutConnections(c);
      }, ctx.signal),
    stop: async (c, ctx) => {
      const force = forceAt(ctx, FORCE_RESERVE_MS);
      // A socket that closes from now on (or already has: Redis gone) is forgotten, so the
      // disconnect() in bullmq's close or ioredis' quit() arms no 2 s timer for it (see cut.ts).
      forgetClosedSockets(c);
      // Both emit 'error' for Redis trouble: heard while stopping, so a failing Redis cannot crash
      // the process mid-shutdown (the force path reports it instead).
      const emitter = c as unknown as NodeJS.EventEmitter;
      const heard = (): void => {};
      emitter.on('error', heard);
      try {
        // close() quits the connection after the replies already queued (publishes of jobs, events).
        const outcome = await Promise.race([c.close().then(() => 'closed' as const), force.reached]);
        if (outcome === 'closed') return;
        cutConnections(c);
        throw new BullConnectionForceClosedError(what(c));
      } finally {
        force.cancel();
        emitter.off('error', heard);
      }
    },
  };
}

/**
 * A BullMQ `Queue` (the producer side) as a lifecycle resource. Workers that add jobs should
 * depend on it, so it closes after them. Stop: `close()`; at the force reserve, `disconnect()`.
 */
export function bullQueue(options: BullQueueOptions): ResourceDefinition<Queue> {
  const { queue, ...lifecycle } = parseOptions(bullQueueOptionsSchema, options, 'bullQueue');
  return { ...lifecycle, dependsOn: options.dependsOn, value: queue, ...closeOrDisconnect<Queue>((q) => `queue "${q.name}"`) };
}

/** A BullMQ `QueueEvents` listener as a lifecycle resource: `close()`, `disconnect()` at the force reserve. */
export function bullQueueEvents(options: BullQueueEventsOptions): ResourceDefinition<QueueEvents> {
  const { queueEvents, ...lifecycle } = parseOptions(bullQueueEventsOptionsSchema, options, 'bullQueueEvents');
  return { ...lifecycle, dependsOn: options.dependsOn, value: queueEvents, ...closeOrDisconnect<QueueEvents>((e) => `queue events "${e.name}"`) };
}
