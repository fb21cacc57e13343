import { type ResourceDefinition } from '@quiesce/core';
import { forceAt, parseOptions } from '@quiesce/core/kit';
import type { Queue, QueueEvents } from 'bullmq';
import { cutConnections, forgetClosedSockets } from './cut.js';
import { readyOrAbandoned } from './ready.js';
import { BullConnectionForceClosedError, BullEventsUndeliveredError } from './errors.js';
import { FORCE_RESERVE_MS } from './force.js';
import { bullQueueEventsOptionsSchema, bullQueueOptionsSchema, type BullQueueEventsOptions, type BullQueueOptions } from './options.js';
import { drainEvents, firstRead, watchReads } from './stream.js';

type Closable = Queue | QueueEvents;

/**
 * Before the close (under the same force reserve): for queue events, deliver the events written
 * before the stop began. Returns an error to report once closed, or throws after cutting.
 */
type BeforeClose<T> = (c: T, forced: Promise<'force'>, node: string) => Promise<Error | undefined>;

function closeOrDisconnect<T extends Closable>(
  what: (c: T) => string,
  hooks: { ready?: (c: T) => Promise<void>; beforeClose?: BeforeClose<T> } = {},
): Pick<ResourceDefinition<T>, 'start' | 'stop'> {
  const { ready = (c: T) => c.waitUntilReady(), beforeClose } = hooks;
  return {
    start: (c, ctx) =>
      readyOrAbandoned(() => ready(c), async () => {
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
        const later = beforeClose ? await beforeClose(c, force.reached, ctx.name) : undefined;
        // close() quits the connection after the replies already queued (publishes of jobs, events).
        const outcome = await Promise.race([c.close().then(() => 'closed' as const), force.reached]);
        if (outcome === 'closed') {
          if (later) throw later;
          return;
        }
        cutConnections(c);
        throw new BullConnectionForceClosedError(ctx.name, what(c));
      } finally {
        force.cancel();
        emitter.off('error', heard);
      }
    },
  };
}

/**
 * Issue #27: every event written to the stream before the stop began (the completions of the
 * workers that depend on this node, which stopped first) is read and emitted before the close,
 * whose first step interrupts the blocking XREAD (see stream.ts). At the force reserve, the
 * QueueEvents is closed and cut at once.
 */
const drainBeforeClose: BeforeClose<QueueEvents> = async (qe, forced, node) => {
  const undrained = await drainEvents(qe, forced);
  if (undrained === undefined) return undefined;
  if (undrained.kind === 'unknown') return new BullEventsUndeliveredError(node, qe.name, undefined, watchReads(qe).cursor, { cause: undrained.cause });
  // The force reserve came first: close (marks it closing: its loop stops) and cut, as at a close
  // that does not finish.
  qe.close().catch(() => undefined);
  cutConnections(qe);
  if (undrained.kind === 'noAnswer') throw new BullConnectionForceClosedError(node, `queue events "${qe.name}"`);
  throw new BullEventsUndeliveredError(node, qe.name, undrained.newest, undrained.cursor);
};

/**
 * Ready, and reading: a QueueEvents built with `autorun: false` is run here (as a worker is), and
 * the start waits for its first read to be asked for, so the position it reads from is fixed
 * before its dependents (the workers) start. A run() that fails fails the start; after the start,
 * its failure is emitted as 'error', as bullmq's autorun does.
 */
async function readyAndReading(qe: QueueEvents): Promise<void> {
  watchReads(qe);
  let failed: Promise<never> | undefined;
  if ((qe as unknown as { running?: boolean }).running === false && typeof qe.run === 'function') {
    let starting = true;
    const run = qe.run();
    failed = run.then(
      () => new Promise<never>(() => {}),
      (error: unknown) => {
        if (!starting) qe.emit('error', error as Error);
        throw error;
      },
    );
    failed.catch(() => undefined);
    try {
      await Promise.race([qe.waitUntilReady().then(() => firstRead(qe)), failed]);
    } finally {
      starting = false;
    }
    return;
  }
  await qe.waitUntilReady();
  await firstRead(qe);
}

/**
 * A BullMQ `Queue` (the producer side) as a lifecycle resource. Workers that add jobs should
 * depend on it, so it closes after them. Stop: `close()`; at the force reserve, `disconnect()`.
 */
export function bullQueue(options: BullQueueOptions): ResourceDefinition<Queue> {
  const { queue, ...lifecycle } = parseOptions(bullQueueOptionsSchema, options, 'bullQueue');
  return { ...lifecycle, dependsOn: options.dependsOn, value: queue, ...closeOrDisconnect<Queue>((q) => `queue "${q.name}"`) };
}

/**
 * A BullMQ `QueueEvents` listener as a lifecycle resource. Workers of its queue should depend on it
 * (`bullmqModule` does this), so it stops after them and hears their last completions. Start: runs
 * it when built with `autorun: false`, waits until it reads. Stop: every event written before the
 * stop began is read and emitted, then `close()`; at the force reserve, `disconnect()`.
 */
export function bullQueueEvents(options: BullQueueEventsOptions): ResourceDefinition<QueueEvents> {
  const { queueEvents, ...lifecycle } = parseOptions(bullQueueEventsOptionsSchema, options, 'bullQueueEvents');
  // Watched from now, so the first read of a QueueEvents declared right after `new` is seen.
  watchReads(queueEvents);
  return {
    ...lifecycle,
    dependsOn: options.dependsOn,
    value: queueEvents,
    ...closeOrDisconnect<QueueEvents>((e) => `queue events "${e.name}"`, { ready: readyAndReading, beforeClose: drainBeforeClose }),
  };
}
