import { LifecycleContainer, StartError } from '@quiesce/core';
import { activeHandles, closedPort, leftoverHandles, waitFor, watchProcessErrors } from '@quiesce/test-servers';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { bullmqModule, bullQueue, bullQueueEvents, bullWorker } from '../src/index.js';
import { connectionTo, Redis, server, unique } from './support.js';

// Issue #27: a `bullQueueEvents` node closed while the worker still finished jobs (it saw 80 of
// 90 completions). A listener on `queueEvents.on('completed')` must hear every completion the
// worker wrote before the events node stopped: the events node stops after the workers of its
// queue, and reads its stream up to the last event written before its stop.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Heard {
  /** Jobs the worker reported completed (its own 'completed' events). */
  byWorker: Set<string>;
  /** Jobs QueueEvents reported completed. */
  byEvents: Set<string>;
  /** `byEvents` as it was when the events node's stop settled. */
  atEventsStop?: Set<string>;
}

function listen(worker: Worker, queueEvents: QueueEvents, app: LifecycleContainer, eventsNode: string): Heard {
  const heard: Heard = { byWorker: new Set(), byEvents: new Set() };
  worker.on('completed', (job: Job) => void heard.byWorker.add(String(job.id)));
  queueEvents.on('completed', ({ jobId }) => void heard.byEvents.add(jobId));
  const settled = (e: { node: string }) => {
    if (e.node === eventsNode) heard.atEventsStop = new Set(heard.byEvents);
  };
  app.on('stopped', settled);
  app.on('failed', settled);
  app.on('timedOut', settled);
  return heard;
}

/** Completed job ids as Redis has them, read through a queue of the test's own. */
async function completedIn(queueName: string): Promise<Set<string>> {
  const inspect = new Queue(queueName, { connection: connectionTo(server()) });
  try {
    return new Set((await inspect.getJobs(['completed'], 0, -1)).map((j) => String(j.id)));
  } finally {
    await inspect.close();
  }
}

/** Kill the QueueEvents' connection server-side (found by the name bullmq gives it: `<prefix>:<base64 name>:qe`). */
async function killEventsConnection(admin: Redis, queueName: string): Promise<void> {
  const eventsName = `bull:${Buffer.from(queueName).toString('base64')}:qe`;
  const clients = String(await admin.client('LIST')).split('\n').filter((l) => l.includes(` name=${eventsName} `));
  expect(clients).toHaveLength(1);
  await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(clients[0]!)![1]!);
}

const missing = (all: Set<string>, seen: Set<string> | undefined) => [...all].filter((id) => !seen?.has(id)).sort();

function buildWorker(queueName: string, options: { concurrency: number; ms: (i: number) => number }): Worker {
  return new Worker(queueName, async (job) => {
    await sleep(options.ms(job.data.i as number));
    return job.data.i;
  }, { connection: connectionTo(server()), autorun: false, concurrency: options.concurrency });
}

async function addJobs(queue: Queue, n: number): Promise<void> {
  await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'job', data: { i }, opts: { jobId: `j${i}` } })));
}

describe('bullQueueEvents outlives the workers of its queue (issue #27)', () => {
  it('bullmqModule, 90 jobs of 20–40 ms, shut down mid-way: every completion the worker wrote was heard on QueueEvents before its node stopped; report ok', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const queueName = unique('events-module');
    const connection = connectionTo(server());
    const queue = new Queue(queueName, { connection });
    const worker = buildWorker(queueName, { concurrency: 10, ms: (i) => 20 + ((i * 7) % 21) });
    const queueEvents = new QueueEvents(queueName, { connection });
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.load(bullmqModule({ name: 'mail', queue, worker, queueEvents }));
    const heard = listen(worker, queueEvents, app, 'mail.events');
    await app.start();
    await addJobs(queue, 90);
    expect(await waitFor(() => heard.byWorker.size >= 30, 10_000)).toBeGreaterThanOrEqual(0);

    const report = await app.shutdown();
    const inRedis = await completedIn(queueName);
    const summary = `worker completed ${heard.byWorker.size} (Redis: ${inRedis.size}), QueueEvents heard ${heard.atEventsStop?.size} before its node stopped`;
    expect(report.ok, summary).toBe(true);
    expect(heard.byWorker.size, summary).toBeLessThan(90); // shut down mid-way...
    expect(heard.byWorker, summary).toEqual(inRedis); // ...and the worker finished what it had taken
    expect(missing(inRedis, heard.atEventsStop), summary).toEqual([]);
    expect(report.node('mail.worker')!.dependsOn).toEqual(['mail.queue', 'mail.events']);
    await queue.close().catch(() => undefined);
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('declared one by one, the worker depending on the events node: same guarantee', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const queueName = unique('events-standalone');
    const connection = connectionTo(server());
    const queue = new Queue(queueName, { connection });
    const worker = buildWorker(queueName, { concurrency: 10, ms: (i) => 5 + ((i * 11) % 26) });
    const queueEvents = new QueueEvents(queueName, { connection });
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource('jobs', bullQueue({ queue }));
    app.resource('events', bullQueueEvents({ queueEvents }));
    app.resource('work', bullWorker({ worker, dependsOn: ['jobs', 'events'] }));
    const heard = listen(worker, queueEvents, app, 'events');
    await app.start();
    await addJobs(queue, 90);
    expect(await waitFor(() => heard.byWorker.size >= 45, 10_000)).toBeGreaterThanOrEqual(0);

    const report = await app.shutdown();
    const inRedis = await completedIn(queueName);
    const summary = `worker completed ${heard.byWorker.size} (Redis: ${inRedis.size}), QueueEvents heard ${heard.atEventsStop?.size}`;
    expect(report.ok, summary).toBe(true);
    expect(heard.byWorker, summary).toEqual(inRedis);
    expect(missing(inRedis, heard.atEventsStop), summary).toEqual([]);
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('the events connection drops just before the last jobs complete: the events node waits for its reconnect and still delivers every completion written before its stop', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const queueName = unique('events-blip');
    const connection = connectionTo(server());
    const admin = new Redis(connection);
    const queue = new Queue(queueName, { connection });
    const worker = buildWorker(queueName, { concurrency: 5, ms: () => 150 });
    const queueEvents = new QueueEvents(queueName, { connection });
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.load(bullmqModule({ name: 'blip', queue, worker, queueEvents: { queueEvents, stopTimeoutMs: 5_000 } }));
    const heard = listen(worker, queueEvents, app, 'blip.events');
    await app.start();
    await addJobs(queue, 10);
    expect(await waitFor(async () => (await queue.getActiveCount()) === 5, 5_000)).toBeGreaterThanOrEqual(0);
    // Cut the QueueEvents' connection (the server side closes it): ioredis reconnects after
    // bullmq's retry delay (≥ 1 s) and sends its XREAD again. The 5 active jobs complete meanwhile.
    await killEventsConnection(admin, queueName);

    const report = await app.shutdown();
    const inRedis = await completedIn(queueName);
    const summary = `worker completed ${heard.byWorker.size} (Redis: ${inRedis.size}), QueueEvents heard ${heard.atEventsStop?.size}`;
    expect(report.ok, `${summary}; ${JSON.stringify(report.nodes.map((n) => [n.name, n.status, n.durationMs, String(n.error ?? '')]))}`).toBe(true);
    expect(inRedis.size, summary).toBeGreaterThanOrEqual(5);
    expect(heard.byWorker, summary).toEqual(inRedis);
    expect(missing(inRedis, heard.atEventsStop), summary).toEqual([]);
    await admin.quit();
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('an idle listener on a stream with history (events from before it started, none since): its stop does not wait', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const queueName = unique('events-idle');
    const connection = connectionTo(server());
    const queue = new Queue(queueName, { connection });
    await addJobs(queue, 20); // 'added' and 'waiting' events, written before the listener exists
    const queueEvents = new QueueEvents(queueName, { connection });
    const app = new LifecycleContainer();
    app.resource('events', bullQueueEvents({ queueEvents }));
    let heard = 0;
    queueEvents.on('waiting', () => void heard++);
    await app.start();
    await sleep(50);
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(heard).toBe(0); // it reads from where the stream was when it started ('$')
    expect(report.node('events')!.durationMs!).toBeLessThan(300);
    await queue.close();
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('built with autorun: false, the node\'s start runs it and returns once it reads: the worker\'s first completion is heard', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const queueName = unique('events-autorun');
    const connection = connectionTo(server());
    const queue = new Queue(queueName, { connection });
    const worker = buildWorker(queueName, { concurrency: 1, ms: () => 1 });
    const queueEvents = new QueueEvents(queueName, { connection, autorun: false });
    const app = new LifecycleContainer();
    app.load(bullmqModule({ name: 'manual', queue, worker, queueEvents }));
    const heard = listen(worker, queueEvents, app, 'manual.events');
    await queue.add('job', { i: 0 }, { jobId: 'first' }); // waiting before anything starts: taken at once
    await app.start();
    expect(await waitFor(() => heard.byWorker.has('first'), 5_000)).toBeGreaterThanOrEqual(0);
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect([...heard.atEventsStop!]).toEqual(['first']);
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('declared after it began reading (its first read unseen): the stop waits for that read to return, at most its blockingTimeout, and is still complete', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const queueName = unique('events-late');
    const connection = connectionTo(server());
    const queue = new Queue(queueName, { connection });
    await addJobs(queue, 5); // history
    const blockingTimeout = 1_000;
    const queueEvents = new QueueEvents(queueName, { connection, blockingTimeout });
    let waiting = 0;
    queueEvents.on('waiting', () => void waiting++);
    await queueEvents.waitUntilReady();
    await sleep(100); // its XREAD '$' has gone out
    const app = new LifecycleContainer();
    app.resource('events', bullQueueEvents({ queueEvents }));
    await app.start();
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(waiting).toBe(0);
    expect(report.node('events')!.durationMs!).toBeLessThan(blockingTimeout + 500);
    await queue.close();
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('the events connection is down for longer than the node\'s time: at the force reserve it is cut, and the node fails naming the stream position it did not reach', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const queueName = unique('events-behind');
    const connection = connectionTo(server());
    const admin = new Redis(connection);
    const queue = new Queue(queueName, { connection });
    const queueEvents = new QueueEvents(queueName, { connection });
    const stopTimeoutMs = 800; // shorter than bullmq's reconnect delay (≥ 1 s)
    const app = new LifecycleContainer();
    app.load(bullmqModule({ name: 'down', queue, queueEvents: { queueEvents, stopTimeoutMs } }));
    await app.start();
    await killEventsConnection(admin, queueName);
    await queue.add('job', {}); // written while the listener is away
    const report = await app.shutdown();
    const node = report.node('down.events')!;
    expect(node.status).toBe('failed');
    expect(node.error).toMatchObject({ name: 'BullEventsUndeliveredError', code: 'QUIESCE_BULLMQ_EVENTS_UNDELIVERED' });
    expect(node.error!.message).toMatch(/^[\w.-]+: bullmq queue events "events-behind-\w+": the stream was not read up to \d+-\d+ \(the newest event when the stop began; read up to \d+-\d+\) before the force reserve/);
    expect(node.durationMs!).toBeLessThan(stopTimeoutMs);
    expect(report.node('down.queue')).toMatchObject({ status: 'stopped' });
    await admin.quit();
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('built with autorun: false and Redis unreachable: the start fails at its timeout, and nothing is left reading or reconnecting', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const connection = { host: '127.0.0.1', port: await closedPort(), retryStrategy: () => 50 };
    const queueEvents = new QueueEvents(unique('unreachable'), { connection, autorun: false });
    queueEvents.on('error', () => {}); // connection refused, as bullmq users must listen for
    const app = new LifecycleContainer();
    app.resource('events', bullQueueEvents({ queueEvents, startTimeoutMs: 300 }));
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).message).toMatch(/^Start failed at "events": events: start did not finish within 300 ms/);
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });
});
