import { LifecycleContainer, StartError } from '@quiesce/core';
import { activeHandles, closedPort, invalidOptions, leftoverHandles, watchProcessErrors } from '@quiesce/test-servers';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { bullmqModule, bullQueue, bullQueueEvents, bullWorker } from '../src/index.js';
import { connectionTo, server, unique } from './support.js';

const invalid = invalidOptions;

describe('bullmq options', () => {
  it('names the offending field', () => {
    expect(invalid(() => bullWorker({} as never)).issues.map((i) => i.field)).toEqual(['worker']);
    expect(invalid(() => bullWorker({ worker: {} as Worker })).message).toMatch(/^Invalid options for bullWorker: worker: expected a bullmq Worker/);
    expect(invalid(() => bullQueue({ queue: 'jobs' as never })).issues.map((i) => i.field)).toEqual(['queue']);
    expect(invalid(() => bullQueueEvents({ queueEvents: null as never, stopTimeoutMs: 1.5 })).issues.map((i) => i.field)).toEqual(['stopTimeoutMs', 'queueEvents']);
    expect(invalid(() => bullWorker({ worker: {} as Worker, wroker: 1 } as never)).message).toContain('wroker');
    expect(invalid(() => bullmqModule({ name: '' })).issues.map((i) => i.field)).toEqual(['name']);
  });

  // issue #27: the module's errors named `worker` (the sub-resource's own field), not the user's.
  it('bullmqModule names the nested field the user wrote', () => {
    const worker = invalid(() => bullmqModule({ worker: { worker: {} as Worker, stopTimeoutMs: 1.5 } }));
    expect(worker.message).toMatch(/^Invalid options for bullmqModule: /);
    expect(worker.issues.map((i) => i.field).sort()).toEqual(['worker.stopTimeoutMs', 'worker.worker']);
    expect(invalid(() => bullmqModule({ queue: { queue: {} as Queue, wroker: 1 } as never })).issues.map((i) => i.field).sort()).toEqual(['queue.queue', 'queue.wroker']);
    expect(invalid(() => bullmqModule({ queueEvents: { queueEvents: {} as QueueEvents, stopTimeoutMs: -1 } })).issues.map((i) => i.field).sort()).toEqual(['queueEvents.queueEvents', 'queueEvents.stopTimeoutMs']);
    // An instance given bare is the field itself.
    expect(invalid(() => bullmqModule({ worker: {} as Worker })).issues.map((i) => i.field)).toEqual(['worker']);
  });
});

describe('bullWorker start', () => {
  it('Redis unreachable: start fails at its timeout naming the node, and the worker is closed, not left reconnecting', async () => {
    const before = activeHandles();
    const connection = { host: '127.0.0.1', port: await closedPort(), retryStrategy: () => 50 };
    const worker = new Worker(unique('unreachable'), async () => undefined, { connection, autorun: false });
    worker.on('error', () => {}); // connection refused, as bullmq users must listen for
    const app = new LifecycleContainer();
    app.resource('work', bullWorker({ name: 'work', worker, startTimeoutMs: 300 }));
    const began = performance.now();
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).message).toMatch(/^Start failed at "work": work: start did not finish within 300 ms/);
    // Settled at once (the rollback did not wait for bullmq's waitUntilReady, which never settles
    // when its connection is closed under it), and nothing left: no reconnect loop, and not the 2 s
    // socket-destroy timer ioredis' disconnect() arms for a socket that already closed (the cut
    // forgets that socket first). Checked well before those 2 s.
    expect(await leftoverHandles(before, 500)).toEqual({});
  });
});

describe('bullmqModule', () => {
  it('binds queue, worker and queue events; the worker depends on the queue and the queue events and stops first; a job it adds while stopping still reaches the queue', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const name = unique('module');
    const connection = connectionTo(server());
    const queue = new Queue(name, { connection });
    let added = 0;
    const worker = new Worker(name, async (job) => {
      if (job.name === 'parent') {
        await new Promise((r) => setTimeout(r, 300));
        await queue.add('child', {}); // needs the queue open: it stops after the worker
        added++;
      }
    }, { connection, autorun: false });
    const queueEvents = new QueueEvents(name, { connection });
    const app = new LifecycleContainer();
    app.load(bullmqModule({ name: 'orders', queue, worker, queueEvents: { queueEvents, stopTimeoutMs: 2_000 } }));
    await app.start();
    await queue.add('parent', {});
    const inspect = new Queue(name, { connection });
    while ((await inspect.getActiveCount()) === 0) await new Promise((r) => setTimeout(r, 20));

    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('orders.worker')).toMatchObject({ status: 'stopped', dependsOn: ['orders.queue', 'orders.events'] });
    expect(report.node('orders.queue')).toMatchObject({ status: 'stopped' });
    expect(report.node('orders.events')).toMatchObject({ status: 'stopped' });
    expect(added).toBe(1);
    expect(await inspect.getJobCounts('completed', 'wait')).toEqual({ completed: 1, wait: 1 });
    await inspect.close();
    // Healthy stop: every connection quit, nothing left (checked before ioredis' 2 s timers could end).
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });
});
