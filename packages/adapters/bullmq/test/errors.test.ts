import { AdapterError, ForceClosedError } from '@quiesce/core/kit';
import { describe, expect, it } from 'vitest';
import { BullConnectionForceClosedError, BullEventsUndeliveredError, BullJobsReleasedError } from '../src/index.js';

// Issue #27: the bullmq force-path errors are the kit's ForceClosedError, the node first in the
// message and on `error.node` (the queue's name is not the node's: two nodes may share a queue).
describe('bullmq errors on the kit bases', () => {
  it('BullJobsReleasedError is a ForceClosedError naming the node, then the queue and its jobs', () => {
    const error = new BullJobsReleasedError('jobs.worker', 'emails', ['1', '2']);
    expect(error).toBeInstanceOf(ForceClosedError);
    expect(error).toMatchObject({ node: 'jobs.worker', queue: 'emails', jobIds: ['1', '2'], code: 'QUIESCE_BULLMQ_JOBS_RELEASED' });
    expect(error.message).toMatch(/^jobs\.worker: bullmq worker "emails" stop did not finish before its force reserve; 1 connection force-closed; 2 active jobs did not finish, they go back to wait/);
  });

  it('BullConnectionForceClosedError is a ForceClosedError naming the node', () => {
    const error = new BullConnectionForceClosedError('jobs.queue', 'queue "emails"');
    expect(error).toBeInstanceOf(ForceClosedError);
    expect(error).toMatchObject({ node: 'jobs.queue', code: 'QUIESCE_BULLMQ_FORCE_CLOSED' });
    expect(error.message).toMatch(/^jobs\.queue: bullmq queue "emails" stop did not finish/);
  });

  it('BullEventsUndeliveredError names the node first', () => {
    const error = new BullEventsUndeliveredError('jobs.events', 'emails', '2-0', '1-0');
    expect(error).toBeInstanceOf(AdapterError);
    expect(error.message).toMatch(/^jobs\.events: bullmq queue events "emails": the stream was not read up to 2-0/);
  });
});
