import { type ResourceDefinition } from '@quiesce/core';
import { forceAt, parseOptions } from '@quiesce/core/kit';
import type { Job, Worker } from 'bullmq';
import { cutConnections, forgetClosedSockets, noReconnectOnceClosing } from './cut.js';
import { readyOrAbandoned } from './ready.js';
import { BullJobsReleasedError } from './errors.js';
import { FORCE_RESERVE_MS } from './force.js';
import { bullWorkerOptionsSchema, type BullWorkerOptions } from './options.js';

/** Jobs a worker has taken and not finished, by id: what pending() and the force error name. */
const activeJobs = new WeakMap<Worker, Set<string>>();

function track(worker: Worker): Set<string> {
  let active = activeJobs.get(worker);
  if (active) return active;
  active = new Set();
  activeJobs.set(worker, active);
  const ids = active;
  worker.on('active', (job: Job) => void ids.add(String(job.id)));
  const done = (job: Job | undefined): void => void (job && ids.delete(String(job.id)));
  worker.on('completed', done);
  worker.on('failed', done);
  return active;
}

/**
 * A BullMQ `Worker` as a lifecycle resource. Build it with `autorun: false`: start runs it once
 * the node starts (so it takes no job before its dependencies are up). Stop: the worker stops
 * taking jobs and waits for its active ones (`pause()`), then closes its connections
 * (`close()`). At the force reserve it is closed with `close(true)`: active jobs are left to the
 * stalled-job check (back to wait once their lock expires), never marked completed or lost.
 */
export function bullWorker(options: BullWorkerOptions): ResourceDefinition<Worker> {
  const { worker, ...lifecycle } = parseOptions(bullWorkerOptionsSchema, options, 'bullWorker');
  return {
    ...lifecycle,
    dependsOn: options.dependsOn,
    value: worker,
    // What core's report shows when the stop's time ran out: "6 active jobs".
    pending: (w) => {
      const n = activeJobs.get(w)?.size ?? 0;
      return n > 0 ? `${n} active job${n === 1 ? '' : 's'}` : undefined;
    },
    start: async (w, ctx) => {
      track(w);
      // run() resolves only when the worker closes; its failures surface as 'error' events.
      if (!w.isRunning()) w.run().catch((error: unknown) => w.emit('error', error as Error));
      await readyOrAbandoned(() => w.waitUntilReady(), () => forceClose(w), ctx.signal);
    },
    stop: async (w, ctx) => {
      const active = track(w);
      // The report's row says what the stop waited for (#30), counted when it began.
      const waitedFor = active.size;
      const errors: unknown[] = [];
      // A worker emits 'error' for Redis trouble; with no listener that is an uncaught exception
      // mid-shutdown. Heard here, and the report says what happened to the jobs instead.
      const heard = (error: unknown): void => void errors.push(error);
      w.on('error', heard);
      const force = forceAt(ctx, FORCE_RESERVE_MS);
      forgetClosedSockets(w);
      noReconnectOnceClosing(w);
      try {
        // pause() (not close()) for the graceful part: a close that has begun cannot be turned into
        // close(true) (bullmq returns the running close), so the force path needs it unbegun.
        const graceful = await Promise.race([w.pause().then(() => 'paused' as const), force.reached]);
        if (graceful === 'paused') {
          const closed = await Promise.race([w.close().then(() => 'closed' as const), force.reached]);
          if (closed === 'closed') return ctx.note(`waited for ${waitedFor} active job${waitedFor === 1 ? '' : 's'} to finish`);
          // Paused with nothing active, but the close hangs (frozen Redis): cut its connections.
          cutConnections(w);
          throw new BullJobsReleasedError(ctx.name, w.name, [...active]);
        }
        const released = [...active];
        await forceClose(w);
        throw new BullJobsReleasedError(ctx.name, w.name, released);
      } finally {
        force.cancel();
        w.off('error', heard);
        // bullmq may still emit once we stopped listening (its close runs on after a force).
        if (w.listenerCount('error') === 0) w.on('error', () => {});
      }
    },
  };
}

/**
 * `close(true)`, then every connection bullmq made for the worker cut at once. close(true) marks
 * the worker closing first (outcomes dropped, locks no longer renewed, and the blocking
 * connection not reopened: `noReconnectOnceClosing`); its own disconnects only half-close, which a
 * frozen Redis would hold ~2 s, so the sockets are destroyed now. Its remaining cleanup takes a
 * few turns of the loop (nothing in it waits on Redis once the sockets are gone): waited for, up
 * to 100 ms.
 */
async function forceClose(w: Worker): Promise<void> {
  forgetClosedSockets(w);
  noReconnectOnceClosing(w);
  const closing = w.close(true).catch(() => undefined);
  cutConnections(w);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([closing, new Promise((resolve) => (timer = setTimeout(resolve, 100)))]);
  } finally {
    clearTimeout(timer);
  }
}
