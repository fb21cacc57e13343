import { AdapterError, describeError, ForceClosedError } from '@quiesce/core/kit';

/**
 * The worker's active jobs did not finish before its force reserve: the worker was closed with
 * `close(true)`. Their outcome is not recorded (bullmq drops it once the worker is closing), their
 * lock is no longer renewed, and the stalled-job check of any worker on the queue moves them back
 * to wait once the lock expires: they run again, elsewhere. Not lost, not completed.
 *
 * The kit's ForceClosedError (`instanceof ForceClosedError`, the node first and on `error.node`):
 * the worker's connection was cut, and nothing runs server-side to kill (Redis holds only the
 * job's lock), so the message says what becomes of the jobs instead.
 */
export class BullJobsReleasedError extends ForceClosedError {
  override readonly name = 'BullJobsReleasedError';
  override readonly code = 'QUIESCE_BULLMQ_JOBS_RELEASED';
  constructor(
    node: string,
    readonly queue: string,
    /** Ids of the jobs that were active when the worker was force-closed. */
    readonly jobIds: readonly string[],
  ) {
    const n = jobIds.length;
    super(
      node,
      `bullmq worker "${queue}"`,
      1,
      0,
      undefined,
      `${n} active job${n === 1 ? '' : 's'} did not finish, ${n === 1 ? 'it goes' : 'they go'} back to wait when ${n === 1 ? 'its' : 'their'} lock expires (${jobIds.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''})`,
    );
  }
}

/**
 * A queue's or queue-events' connection did not close before its force reserve (frozen Redis): it
 * was disconnected. The kit's ForceClosedError (`instanceof ForceClosedError`, `error.node`).
 */
export class BullConnectionForceClosedError extends ForceClosedError {
  override readonly name = 'BullConnectionForceClosedError';
  override readonly code = 'QUIESCE_BULLMQ_FORCE_CLOSED';
  constructor(node: string, what: string) {
    super(node, `bullmq ${what}`, 1, 0, undefined, 'close did not finish, connection disconnected');
  }
}

/**
 * Issue #27: the queue events could not deliver every event written to their stream before their
 * stop began (the completions of the workers that stopped before them, say) before their force
 * reserve. `newestId`: the newest event when the stop began (undefined when it could not be read);
 * `readUpTo`: the position the QueueEvents had read up to (undefined when unknown).
 */
export class BullEventsUndeliveredError extends AdapterError {
  override readonly name = 'BullEventsUndeliveredError';
  override readonly code = 'QUIESCE_BULLMQ_EVENTS_UNDELIVERED';
  constructor(
    node: string,
    readonly queue: string,
    readonly newestId: string | undefined,
    readonly readUpTo: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      node,
      newestId === undefined
        ? `bullmq queue events "${queue}": the newest event id of the stream could not be read (${describeError(options?.cause)}); events written before the stop may not have been delivered`
        : `bullmq queue events "${queue}": the stream was not read up to ${newestId} (the newest event when the stop began; read up to ${readUpTo ?? 'an unknown position'}) before the force reserve; closed, the events in between were not delivered`,
      options,
    );
  }
}
