import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles, socketsTo, startRedis, waitFor, watchProcessErrors, type RedisServer } from '@quiesce/test-servers';
import { Queue, Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bullQueue, bullWorker } from '../src/index.js';
import { connectionTo, Redis, server, unique } from './support.js';

// Issue #26: after the force path the worker's blocking connection came back once the released
// jobs ended (bullmq's pause() reconnects it without looking whether the worker closed meanwhile),
// ran only ioredis' INFO ready check and stayed open: the process never exited by itself.

interface Run {
  /** null when the process had to be killed: it did not exit by itself within the cap. */
  code: number | null;
  lines: { at: number; text: string }[];
  exitAt: number;
  stderr: string;
}

const FIXTURE = fileURLToPath(new URL('./fixtures/forced-exit.mjs', import.meta.url));

/** Runs the fixture; SIGKILLs it `capMs` after its report if it is still alive (then `code` is null). */
function runFixture(args: { queue: string; jobs: number; jobMs: number; stopTimeoutMs: number; timers: 'ref' | 'unref' }, capMs: number): Promise<Run> {
  const s = server();
  const child = spawn(
    process.execPath,
    [FIXTURE, s.host, String(s.port), args.queue, String(args.jobs), String(args.jobMs), String(args.stopTimeoutMs), args.timers],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIST_HANDLES: String(capMs - 500) } },
  );
  const lines: Run['lines'] = [];
  let stderr = '';
  let buffered = '';
  let killer: ReturnType<typeof setTimeout> | undefined;
  // Started before the report too, so a fixture that never gets there cannot hang the test.
  const hardCap = setTimeout(() => child.kill('SIGKILL'), 20_000 + capMs);
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const text of parts) {
      lines.push({ at: performance.now(), text });
      if (text.startsWith('report ')) killer = setTimeout(() => child.kill('SIGKILL'), capMs);
    }
  });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      const exitAt = performance.now();
      clearTimeout(killer);
      clearTimeout(hardCap);
      resolve({ code: signal === 'SIGKILL' ? null : code, lines, exitAt, stderr });
    });
  });
}

const lineAt = (run: Run, prefix: string) => run.lines.find((l) => l.text.startsWith(prefix));
const describeRun = (run: Run) => `${run.lines.map((l) => l.text.slice(0, 300)).join('\n')}\n${run.stderr}`;

function expectForceClosedReport(run: Run, jobs: number): void {
  const line = lineAt(run, 'report ');
  expect(line, describeRun(run)).toBeDefined();
  const report = JSON.parse(line!.text.slice('report '.length));
  expect(report.ok).toBe(false);
  expect(report.failedNodes).toEqual(['work']);
  const work = report.nodes.find((n: { name: string }) => n.name === 'work');
  expect(work).toMatchObject({ status: 'failed', error: { name: 'BullJobsReleasedError', code: 'QUIESCE_BULLMQ_JOBS_RELEASED' } });
  expect(work.error.message).toContain(`${jobs} active jobs did not finish, they go back to wait`);
  expect(work.durationMs).toBeLessThan(500);
  expect(report.nodes.find((n: { name: string }) => n.name === 'jobs')).toMatchObject({ status: 'stopped' });
}

describe('bullWorker force path: the process can exit by itself afterwards (issue #26)', () => {
  it('a real process, jobs of 3 s, stop timeout 500 ms: the report says the worker was force-closed, and the process exits by itself once its jobs end (it used to live on for good)', async () => {
    const run = await runFixture({ queue: unique('exit-ref'), jobs: 2, jobMs: 3_000, stopTimeoutMs: 500, timers: 'ref' }, 10_000);
    expectForceClosedReport(run, 2);
    // Its jobs' own timers hold the process until they end (bullmq cannot stop a processor)...
    const ends = run.lines.filter((l) => l.text.startsWith('job end '));
    expect(ends.map((l) => l.text).sort(), describeRun(run)).toEqual(['job end s0', 'job end s1']);
    // ...and then nothing does: it exits by itself (not killed), well inside 2 s of the last one.
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.exitAt - ends.at(-1)!.at).toBeLessThan(2_000);
  });

  it('a real process whose jobs do not hold it: it exits right after the report (no socket, no 2 s ioredis timer left by the cut)', async () => {
    const run = await runFixture({ queue: unique('exit-unref'), jobs: 2, jobMs: 3_000, stopTimeoutMs: 500, timers: 'unref' }, 10_000);
    expectForceClosedReport(run, 2);
    expect(run.code, describeRun(run)).toBe(0);
    // ioredis' disconnect() of a socket that already closed arms a 2 s timer that nothing clears;
    // bullmq's close(true) used to do that to the blocking connection pause() had disconnected.
    expect(run.exitAt - lineAt(run, 'report ')!.at, describeRun(run)).toBeLessThan(1_000);
    expect(lineAt(run, 'job end '), 'exited before its jobs ended').toBeUndefined();
  });
});

describe('bullWorker force path in-process: no handle and no Redis connection left, before and after the released jobs end', () => {
  // A Redis of the test's own: every connection on it, and every socket of this process to it, is this test's.
  let redis: RedisServer;
  beforeEach(async () => {
    redis = await startRedis({ useEnv: false });
  });
  afterEach(() => redis?.stop());

  it('stop timeout 500 ms, 2 jobs of 1.5 s: after the stop nothing the adapter created is left; once the jobs end the blocking connection does not come back', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const connection = connectionTo(redis);
    const queueName = unique('inproc');
    const queue = new Queue(queueName, { connection });
    let ended = 0;
    // unref: the jobs' own timers (the user's code, left running by a force-closed worker) are
    // not the adapter's handles.
    const worker = new Worker(queueName, () => new Promise((resolve) => setTimeout(() => resolve(++ended), 1_500).unref()), {
      connection,
      autorun: false,
      concurrency: 2,
    });
    const app = new LifecycleContainer({ shutdownTimeoutMs: 4_000 });
    app.resource('jobs', bullQueue({ name: 'jobs', queue, stopTimeoutMs: 1_000 }));
    app.resource('work', bullWorker({ name: 'work', worker, dependsOn: ['jobs'], stopTimeoutMs: 500 }));
    await app.start();
    await queue.addBulk([{ name: 'a', data: {} }, { name: 'b', data: {} }]);
    const inspect = new Redis(connection);
    const clientsOnServer = async () => ((await inspect.client('LIST')) as string).trim().split('\n').length - 1; // minus inspect itself
    expect(await waitFor(async () => (await inspect.llen(`bull:${queueName}:active`)) === 2, 5_000)).toBeGreaterThanOrEqual(0);
    expect(await clientsOnServer()).toBe(3); // queue, worker, worker's blocking connection

    const report = await app.shutdown();
    expect(report.node('work')).toMatchObject({ status: 'failed', error: { name: 'BullJobsReleasedError' } });
    expect(report.node('jobs')).toMatchObject({ status: 'stopped' });
    expect(ended).toBe(0); // the force path ran while both jobs were still running
    // Only inspect's socket left (the queue's, quit, closes once Redis answers its FIN).
    expect(await waitFor(() => socketsTo(redis.port) === 1, 1_000)).toBeGreaterThanOrEqual(0);
    expect(await waitFor(async () => (await clientsOnServer()) === 0, 1_000)).toBeGreaterThanOrEqual(0);

    // The released jobs end; bullmq's pause() then resumes (it was waiting for them) and used to
    // reopen the blocking connection here.
    expect(await waitFor(() => ended === 2, 3_000)).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(socketsTo(redis.port)).toBe(1);
    expect(await clientsOnServer()).toBe(0);
    await inspect.quit();
    // No socket, no timer: in particular not ioredis' 2 s disconnect timer (this checks well before 2 s).
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('the same stop when the worker was given an ioredis client of the user: that client is left open (the user owns it), the blocking duplicate bullmq made is closed', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const own = new Redis({ ...connectionTo(redis), maxRetriesPerRequest: null });
    const queueName = unique('shared');
    const queue = new Queue(queueName, { connection: connectionTo(redis) });
    let ended = 0;
    const worker = new Worker(queueName, () => new Promise((resolve) => setTimeout(() => resolve(++ended), 1_500).unref()), {
      connection: own,
      autorun: false,
      concurrency: 2,
    });
    const app = new LifecycleContainer({ shutdownTimeoutMs: 4_000 });
    app.resource('jobs', bullQueue({ name: 'jobs', queue, stopTimeoutMs: 1_000 }));
    app.resource('work', bullWorker({ name: 'work', worker, dependsOn: ['jobs'], stopTimeoutMs: 500 }));
    await app.start();
    await queue.addBulk([{ name: 'a', data: {} }, { name: 'b', data: {} }]);
    expect(await waitFor(async () => (await own.llen(`bull:${queueName}:active`)) === 2, 5_000)).toBeGreaterThanOrEqual(0);

    const report = await app.shutdown();
    expect(report.node('work')).toMatchObject({ status: 'failed', error: { name: 'BullJobsReleasedError' } });
    expect(await waitFor(() => ended === 2, 3_000)).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The user's client still works, and is the only connection left.
    expect(own.status).toBe('ready');
    expect(await own.ping()).toBe('PONG');
    expect(socketsTo(redis.port)).toBe(1);
    expect(((await own.client('LIST')) as string).trim().split('\n')).toHaveLength(1);
    await own.quit();
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });
});
