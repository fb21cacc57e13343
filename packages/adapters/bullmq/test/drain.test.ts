import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles, waitFor, watchProcessErrors } from '@quiesce/test-servers';
import { Queue, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { bullQueue, bullWorker } from '../src/index.js';
import { connectionTo, countsOf, effectsOf, Redis, secondWorker, server, unique } from './support.js';

const Jobs = Symbol('jobs');
const Work = Symbol('work');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An app with a queue and a worker (autorun off). Short lock and stall check so a stall shows
 * within ~1 s: the stall check is throttled by one key per queue that every worker sets with its
 * own stalledInterval, so this worker's interval also delays the second worker's check.
 */
async function startApp(queueName: string, stopTimeoutMs: number) {
  const connection = connectionTo(server());
  const effects = new Redis(connection);
  const queue = new Queue(queueName, { connection });
  const worker = new Worker(
    queueName,
    async (job) => {
      await sleep(job.data.ms);
      await effects.rpush(`${queueName}:effects`, `A:${job.id}`);
      return 'A';
    },
    { connection, autorun: false, concurrency: 10, lockDuration: 1_000, stalledInterval: 250 },
  );
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
  app.resource(Jobs, bullQueue({ name: 'jobs', queue }));
  app.resource(Work, bullWorker({ name: 'work', worker, dependsOn: [Jobs], stopTimeoutMs }));
  await app.start();
  return { app, queue, worker, effects };
}

function tally(effects: string[]): Map<string, string[]> {
  const byJob = new Map<string, string[]>();
  for (const e of effects) {
    const [who, id] = e.split(':') as [string, string];
    byJob.set(id, [...(byJob.get(id) ?? []), who]);
  }
  return byJob;
}

describe('bullWorker: shutdown mid-stream, a second worker process drains the rest', () => {
  it('500 jobs of 5–50 ms: the app’s worker stops taking jobs and finishes its active ones; the second process completes the rest; every job completed exactly once, none lost', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const queueName = unique('graceful');
    const { app, queue, effects } = await startApp(queueName, 5_000);
    const TOTAL = 500;
    await queue.addBulk(Array.from({ length: TOTAL }, (_, i) => ({ name: 'job', data: { ms: 5 + ((i * 37) % 46) }, opts: { jobId: `j${i}` } })));
    expect(await waitFor(async () => (await effects.llen(`${queueName}:effects`)) >= 100, 10_000)).toBeGreaterThanOrEqual(0);

    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('work')).toMatchObject({ status: 'stopped' });
    expect(report.node('jobs')).toMatchObject({ status: 'stopped' });
    // Its row says how many jobs the stop waited for (taken mid-stream: 1 to the concurrency).
    expect(report.node('work')?.note).toMatch(/^waited for [1-9]\d* active jobs? to finish$/);
    // The app's worker finished what it had taken: nothing of it left active, and it took no more.
    const afterApp = await countsOf(server(), queueName);
    expect(afterApp.active).toBe(0);
    const doneByApp = afterApp.completed!;
    expect(doneByApp).toBeGreaterThanOrEqual(100);
    expect(doneByApp).toBeLessThan(TOTAL);
    await sleep(200);
    expect((await countsOf(server(), queueName)).completed).toBe(doneByApp);

    const second = await secondWorker(server(), queueName);
    expect(await waitFor(async () => (await countsOf(server(), queueName)).completed === TOTAL, 15_000)).toBeGreaterThanOrEqual(0);
    expect(await second.stop()).toBe(0);

    const counts = await countsOf(server(), queueName);
    expect(counts).toMatchObject({ completed: TOTAL, failed: 0, active: 0, wait: 0, delayed: 0 });
    const byJob = tally(await effectsOf(effects, queueName));
    expect(byJob.size).toBe(TOTAL);
    expect([...byJob.values()].filter((who) => who.length !== 1)).toEqual([]); // exactly once each
    expect([...byJob.values()].filter((who) => who[0] === 'A')).toHaveLength(doneByApp);
    await effects.quit();
    expect(await leftoverHandles(before, 1_000)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('jobs longer than the stop: close(true) at the force reserve, the node fails naming them, and the second process picks them up from the stall check; none lost, none completed by the closed worker', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const queueName = unique('forced');
    const stopTimeoutMs = 800;
    const { app, queue, worker, effects } = await startApp(queueName, stopTimeoutMs);
    const SLOW = 6;
    await queue.addBulk(Array.from({ length: SLOW }, (_, i) => ({ name: 'slow', data: { ms: 1_000 }, opts: { jobId: `s${i}` } })));
    expect(await waitFor(async () => (await countsOf(server(), queueName)).active === SLOW, 5_000)).toBeGreaterThanOrEqual(0);
    const definition = bullWorker({ worker });
    expect(await waitFor(() => definition.pending!(worker) === `${SLOW} active jobs`, 2_000)).toBeGreaterThanOrEqual(0);

    const report = await app.shutdown();
    const node = report.node('work')!;
    expect(node.status).toBe('failed');
    expect(node.error).toMatchObject({ name: 'BullJobsReleasedError', code: 'QUIESCE_BULLMQ_JOBS_RELEASED' });
    expect(node.error!.message).toMatch(/stop did not finish before its force reserve; 1 connection force-closed; 6 active jobs did not finish, they go back to wait/);
    expect(node.durationMs!).toBeLessThan(stopTimeoutMs);
    expect(report.node('jobs')).toMatchObject({ status: 'stopped' });
    // Left active (the lock expires, nothing marked completed or failed)...
    expect(await countsOf(server(), queueName)).toMatchObject({ active: SLOW, completed: 0, failed: 0 });

    // ...and run again by the second process once its stall check has seen the expired locks.
    const second = await secondWorker(server(), queueName);
    expect(await waitFor(async () => (await countsOf(server(), queueName)).completed === SLOW, 15_000)).toBeGreaterThanOrEqual(0);
    expect(await second.stop()).toBe(0);
    const inspect = new Queue(queueName, { connection: connectionTo(server()) });
    const jobs = await inspect.getJobs(['completed']);
    await inspect.close();
    expect(jobs.map((j) => j.returnvalue)).toEqual(Array(SLOW).fill('B')); // completed by the second worker only
    const byJob = tally(await effectsOf(effects, queueName));
    // Each job's effect by B exactly once; A's processors, cut off from Redis, may have finished
    // their own run too: at-least-once, retried by design.
    for (let i = 0; i < SLOW; i++) expect(byJob.get(`s${i}`)!.filter((w) => w === 'B')).toHaveLength(1);
    await effects.quit();
    // A's jobs have ended by now (B completed them after their locks expired): bullmq's pause(),
    // which the force path interrupted, has resumed; the blocking connection it used to reopen
    // then (issue #26) would show here as a socket.
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });
});
