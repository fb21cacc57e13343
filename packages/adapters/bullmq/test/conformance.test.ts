import { LifecycleContainer } from '@quiesce/core';
import { startRedis, type RedisServer } from '@quiesce/test-servers';
import { conformance } from '@quiesce/test-servers/conformance';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { bullmqModule, bullQueue, bullQueueEvents, bullWorker } from '../src/index.js';
import { unique } from './support.js';

/**
 * The adapter contract (issue #27) for a queue worker: one unit of work is a job. The test adds it
 * through a Queue of its own (outside the app, on a client it owns) and the app's worker runs it
 * for `ms`; the proof it was done in full is its completion heard on the app's own QueueEvents
 * node (`waitUntilFinished`), with the return value the processor gave: the worker wrote it to
 * Redis and the events node delivered it before it stopped. The suite's Redis is its own
 * (`useEnv: false`): it is frozen, then killed.
 */
interface Held {
  readonly name: string;
  /** The test's own: adds jobs, and sees their lock (the released ones). Not the app's. */
  readonly own: Redis;
  readonly outside: Queue;
  /** The app's queue events node: what proves a job completed. */
  readonly events: QueueEvents;
  /** Ids of the jobs the app's processor began. */
  readonly began: Set<string>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Short, so a job whose worker was force-closed is released (its lock gone) within a second. */
const LOCK_MS = 1_000;

/** Resolves once the job's lock is gone while it is not completed: released to the stall check, not running here any more. */
async function released(held: Held, job: Job): Promise<'released'> {
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(50)) {
    if ((await held.own.exists(`bull:${held.name}:${job.id}:lock`)) === 0) {
      const state = await held.outside.getJobState(job.id!);
      if (state === 'completed') throw new Error('the hung job completed');
      return 'released';
    }
  }
  throw new Error(`job ${job.id} still locked 10 s on`);
}

conformance<Held, RedisServer>({
  adapter: 'bullmq',
  node: 'jobs.worker',
  startServer: () => startRedis({ useEnv: false }),
  startApp: async (server, { stopTimeoutMs, shutdownTimeoutMs }) => {
    const name = unique('conformance');
    const connection = { host: server.host, port: server.port };
    // Fails fast once Redis is gone, and ends (no reconnect): the test's own client leaves nothing behind.
    const own = new Redis({ ...connection, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    own.on('error', () => {});
    const outside = new Queue(name, { connection: own });
    const began = new Set<string>();
    const queue = new Queue(name, { connection });
    const worker = new Worker(
      name,
      async (job: Job<{ ms?: number; hang?: true }>) => {
        began.add(job.id!);
        if (job.data.hang) return new Promise(() => {});
        // unref: a force-closed worker leaves its processors running (their outcome dropped); that is not the adapter's handle.
        await new Promise((r) => setTimeout(r, job.data.ms ?? 0).unref());
        return `done:${job.id}`;
      },
      { connection, autorun: false, concurrency: 5, lockDuration: LOCK_MS },
    );
    const events = new QueueEvents(name, { connection });
    const app = new LifecycleContainer({ shutdownTimeoutMs });
    app.load(bullmqModule({ name: 'jobs', queue: { queue, stopTimeoutMs }, worker: { worker, stopTimeoutMs }, queueEvents: { queueEvents: events, stopTimeoutMs } }));
    const close = async (): Promise<void> => {
      await outside.close().catch(() => {});
      // disconnect() of a client whose socket already closed would arm ioredis' 2 s timer (docs/PITFALLS.md, ioredis).
      if (own.status !== 'end') own.disconnect();
    };
    try {
      await app.start();
    } catch (error) {
      await close();
      throw error;
    }
    return { app, resource: { name, own, outside, events, began }, close };
  },
  work: async (held, _server, ms) => {
    const job = await held.outside.add('work', { ms });
    return job.waitUntilFinished(held.events, ms + 3_000);
  },
  completed: (returned) => typeof returned === 'string' && returned.startsWith('done:'),
  // Never ends by itself: the force path closes the worker (close(true)), which stops renewing the
  // job's lock; the job is released to the stall check (back to wait), never completed by this worker.
  hang: async (held) => {
    const job = await held.outside.add('hang', { hang: true });
    return Promise.race([job.waitUntilFinished(held.events, 60_000), released(held, job)]);
  },
  // Once the worker's stop began it takes no job: one added now is still not begun 1.5 s later.
  tryNew: async (held) => {
    const job = await held.outside.add('late', { ms: 0 });
    for (const end = Date.now() + 1_500; Date.now() < end; await sleep(20)) if (held.began.has(job.id!)) return 'taken';
    throw new Error(`job ${job.id} not taken by the stopping worker`);
  },
  reached: async (held, _server, count) => {
    for (const end = Date.now() + 10_000; held.began.size < count; await sleep(5)) if (Date.now() > end) throw new Error(`${count} jobs not begun within 10 s`);
  },
  badOptions: [
    { options: () => bullWorker({} as never), field: 'worker' },
    { options: () => bullWorker({ worker: {} as Worker }), field: 'worker' },
    { options: () => bullQueue({ queue: 'jobs' as never }), field: 'queue' },
    { options: () => bullQueueEvents({ queueEvents: null as never }), field: 'queueEvents' },
    { options: () => bullQueueEvents({ queueEvents: {} as QueueEvents, stopTimeoutMs: 1.5 }), field: 'stopTimeoutMs' },
    { options: () => bullmqModule({ name: '' }), field: 'name' },
    { options: () => bullmqModule({ name: 'jobs', worker: { worker: {} as Worker, stopTimeoutMs: 1.5 } }), field: 'worker.stopTimeoutMs' },
  ],
});
