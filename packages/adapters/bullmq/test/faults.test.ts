import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, crash, freeze, leftoverHandles, startRedis, thaw, waitFor, watchProcessErrors, type RedisServer } from '@quiesce/test-servers';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bullmqModule } from '../src/index.js';
import { connectionTo } from './support.js';

// A Redis of each test's own, the "victim": frozen or killed mid-shutdown. The shared one is never touched.
let victim: RedisServer;
beforeEach(async () => {
  victim = await startRedis({ useEnv: false });
});
afterEach(() => victim?.stop());

async function startApp(stopTimeoutMs: number) {
  const before = activeHandles();
  const errors = watchProcessErrors();
  const connection = connectionTo(victim);
  const queue = new Queue('victim', { connection });
  // unref: these 2 s timers are the jobs' own work, which a force-closed worker leaves running
  // (its outcome dropped); they are not the adapter's handles.
  const worker = new Worker('victim', async () => new Promise((r) => setTimeout(r, 2_000).unref()), { connection, autorun: false, concurrency: 2 });
  const queueEvents = new QueueEvents('victim', { connection });
  const app = new LifecycleContainer({ shutdownTimeoutMs: 4_000 });
  app.load(bullmqModule({ name: 'jobs', queue: { queue, stopTimeoutMs }, worker: { worker, stopTimeoutMs }, queueEvents: { queueEvents, stopTimeoutMs } }));
  await app.start();
  await queue.add('a', {});
  await queue.add('b', {});
  expect(await waitFor(async () => (await queue.getActiveCount()) === 2, 3_000)).toBeGreaterThanOrEqual(0);
  return {
    app,
    async expectClean(withinMs = 1_000): Promise<void> {
      expect(await leftoverHandles(before, withinMs)).toEqual({});
      expect(errors.stop()).toEqual([]);
    },
  };
}

describe('bullmq adapter under Redis faults mid-shutdown', () => {
  it('Redis is killed (SIGKILL) with two jobs active: no crash, every node ends inside its time, the worker fails naming the released jobs, no reconnect loop left', async () => {
    const stopTimeoutMs = 1_500;
    const { app, expectClean } = await startApp(stopTimeoutMs);
    const shutdown = app.shutdown();
    await crash(victim);
    const report = await shutdown;
    const worker = report.node('jobs.worker')!;
    expect(worker.status).toBe('failed');
    expect(worker.error).toMatchObject({ name: 'BullJobsReleasedError' });
    expect(worker.durationMs!).toBeLessThan(stopTimeoutMs);
    for (const name of ['jobs.queue', 'jobs.events']) expect(report.node(name)!.durationMs!).toBeLessThan(stopTimeoutMs);
    expect(report.durationMs).toBeLessThan(4_000);
    // ioredis' disconnect() of a connection the server already dropped arms a 2 s timer (to destroy
    // a socket that is already gone) which nothing clears; bullmq's close() and ioredis' own quit()
    // call it. The adapter forgets such sockets first: nothing left, checked well before 2 s.
    await expectClean(500);
  });

  it('Redis freezes (SIGSTOP): the queue and queue events cannot QUIT and are disconnected at their force reserve, inside their time', async () => {
    const stopTimeoutMs = 1_000;
    const { app, expectClean } = await startApp(stopTimeoutMs);
    freeze(victim);
    try {
      const report = await app.shutdown();
      expect(report.node('jobs.worker')).toMatchObject({ status: 'failed', error: { name: 'BullJobsReleasedError' } });
      for (const name of ['jobs.queue', 'jobs.events']) {
        const node = report.node(name)!;
        expect(node).toMatchObject({ status: 'failed', error: { name: 'BullConnectionForceClosedError', code: 'QUIESCE_BULLMQ_FORCE_CLOSED' } });
        expect(node.durationMs!).toBeLessThan(stopTimeoutMs);
      }
      await expectClean(500);
    } finally {
      thaw(victim);
    }
  });
});
