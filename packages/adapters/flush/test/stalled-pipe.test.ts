import { describe, expect, it } from 'vitest';
import { runStalledPipe, type ChildExit, type StalledRun } from './support.js';

// Issue #26: a log destination on a pipe nobody reads (a stalled log shipper on stdout). Each test
// runs a real service process (fixtures/stalled-pipe-app.mjs) whose pipe the test filled and never
// reads; the log node must be reported timedOut with what it lost, and then the process must be
// free to exit by itself — no stuck write, no retry timer, no spinning flush loop left by the cut.

const cpuMs = (cpu: NodeJS.CpuUsage): number => (cpu.user + cpu.system) / 1_000;

/** `promise`, or a failure naming `what` once `ms` passed (a child that never exits must not hang the suite). */
async function within<T>(promise: Promise<T>, ms: number, what: string, run: StalledRun): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms; child stderr:\n${run.stderr()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The child wrote only its own lines: no uncaught error, no warning, no crash trace. */
function onlyOwnLines(run: StalledRun): string[] {
  return run
    .stderr()
    .split('\n')
    .filter((line) => line !== '' && !/^(LOGGED|REPORT|EXIT) \{/.test(line));
}

/** The report came, the process exited by itself soon after it, cleanly and without burning CPU. */
async function expectExitsAfterReport(run: StalledRun): Promise<ChildExit & { last: NonNullable<ChildExit['last']> }> {
  const report = await run.report;
  const exit = await within(run.exited, 10_000, 'the child did not exit after its report', run);
  expect(exit).toMatchObject({ code: 0, signal: null, last: { code: 0 } });
  const last = exit.last!;
  // Measured: 40–100 ms after the report with the fix; never, before it.
  expect(last.at - report.at).toBeLessThan(3_000);
  expect(cpuMs(last.cpu) - cpuMs(report.cpu)).toBeLessThan(1_000);
  expect(onlyOwnLines(run)).toEqual([]);
  return { ...exit, last };
}

describe('pino.destination() on a pipe nobody reads', () => {
  it('{ dest: 1, sync: false } on a blocking stdout: timedOut with the unwritten bytes, then the process exits by itself', async () => {
    const run = runStalledPipe({ kind: 'sonic', dest: 'stdout' });
    expect(run.filled).toBeGreaterThanOrEqual(65_536);
    const report = await run.report;
    expect(report.ok).toBe(false);
    expect(report.api).toBe('stopped');
    // Non-blocking since the definition (avoidBlockingWrites): nothing blocked, only buffered.
    expect(report.log).toMatchObject({ status: 'timedOut', cut: { phase: 'stop', open: [expect.stringMatching(/^\d+ bytes buffered, not yet written$/)] } });
    expect(parseInt(report.log.cut!.open[0]!, 10)).toBeGreaterThan(500_000); // ~3 100 lines of ~260 bytes, none taken
    await expectExitsAfterReport(run);
  });

  it('a shipper that stalls and comes back (the healthy path, on the fd made non-blocking): every line is delivered, the node stops', async () => {
    const run = runStalledPipe({ kind: 'sonic', dest: 'stdout', env: { STOP_MS: '5000' } });
    await run.logged;
    run.readPipe();
    const report = await run.report;
    expect(report).toMatchObject({ ok: true, log: { status: 'stopped' } });
    await expectExitsAfterReport(run);
    const lines = run.received().toString('utf8').slice(run.filled).split('\n').filter(Boolean);
    const msgs = lines.map((l) => JSON.parse(l) as { msg: string; i: number });
    expect(msgs.filter((m) => m.msg === 'x'.repeat(200)).map((m) => m.i)).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
    expect(msgs.filter((m) => m.msg === 'api stopping')).toHaveLength(100);
  });

  it('{ sync: false } on pino\'s default fd (process.stdout.fd, already non-blocking): no retry loop left after the cut', async () => {
    const run = runStalledPipe({ kind: 'sonic', dest: 'default' });
    const report = await run.report;
    expect(report.log).toMatchObject({ status: 'timedOut', cut: { phase: 'stop', open: [expect.stringMatching(/^\d+ bytes buffered, not yet written$/)] } });
    await expectExitsAfterReport(run);
  });

  it('an fd > 2 opened O_NONBLOCK on the pipe: closed after the cut, never written after it was closed, no uncaught error', async () => {
    const run = runStalledPipe({ kind: 'sonic', dest: 'nonblock' });
    const report = await run.report;
    expect(report.log).toMatchObject({ status: 'timedOut', cut: { phase: 'stop', open: [expect.stringMatching(/^\d+ bytes buffered, not yet written$/)] } });
    const exit = await expectExitsAfterReport(run);
    expect(exit.last.fdOpen).toBe(false);
  });

  it('a FIFO opened by path (blocking, out of the adapter\'s reach): the report says the write cannot return; the process idles, and exits once the pipe is read', async () => {
    const run = runStalledPipe({ kind: 'sonic', dest: 'path' });
    const report = await run.report;
    expect(report.log).toMatchObject({
      status: 'timedOut',
      cut: { phase: 'stop', open: [expect.stringMatching(/^\d+ bytes buffered, not yet written; its write to a full blocking pipe has not returned: the process cannot exit until the pipe is read$/)] },
    });
    // A write(2) blocked in a threadpool thread: nothing in Node can end it (not even process.exit()).
    await sleep(1_500);
    expect(run.alive()).toBe(true);
    const idleFrom = run.cpuMs();
    await sleep(2_000);
    expect(run.cpuMs() - idleFrom).toBeLessThan(200); // idle (measured: 0), not spinning (a core: 2 000 ms)
    // The shipper comes back: the write in flight returns, nothing more is written, the fd closes, the process exits.
    run.readPipe();
    const exit = await expectExitsAfterPipeRead(run);
    expect(exit.last.fdOpen).toBe(false);
  });
});

describe('pino.transport() on a pipe nobody reads', () => {
  // 40 000 lines (~10 MiB): more than thread-stream's 4 MiB shared buffer, so its flush loop is still running at the cut.
  const lines = 40_000;

  it('to stdout: timedOut with what was not handed to the worker, then the process exits by itself', async () => {
    const run = runStalledPipe({ kind: 'transport', dest: 'stdout', lines });
    const report = await run.report;
    expect(report.ok).toBe(false);
    expect(report.log).toMatchObject({ status: 'timedOut', cut: { phase: 'stop', open: [expect.stringMatching(/^transport worker still running \(\d+ bytes not yet handed to it\)$/)] } });
    expect(parseInt(/\((\d+) bytes/.exec(report.log.cut!.open[0]!)![1]!, 10)).toBeGreaterThan(1_048_576);
    await expectExitsAfterReport(run);
  });

  it('whose worker is stuck in a write to a blocking FIFO: the main thread does not spin after the cut, and the process exits once the pipe is read', async () => {
    const run = runStalledPipe({ kind: 'transport', dest: 'path', lines, env: { WAIT_BLOCKED: '1' } });
    const report = await run.report;
    expect(report.log).toMatchObject({ status: 'timedOut', cut: { phase: 'stop', open: [expect.stringMatching(/^transport worker still running \(\d+ bytes not yet handed to it\)$/)] } });
    await sleep(500);
    expect(run.alive()).toBe(true); // the worker's write(2) holds it: terminate() cannot complete
    const from = run.cpuMs();
    await sleep(2_000);
    // Before the fix thread-stream's flushBuffer() re-armed setImmediate for ever: measured 440–2 000 ms
    // of CPU in these 2 s (22–100 % of a core, by the machine's load); after it: 0.
    expect(run.cpuMs() - from).toBeLessThan(200);
    run.readPipe();
    await expectExitsAfterPipeRead(run);
  });
});

/** Once the pipe is read, the process exits by itself, cleanly. */
async function expectExitsAfterPipeRead(run: StalledRun): Promise<ChildExit & { last: NonNullable<ChildExit['last']> }> {
  const readFrom = Date.now();
  const exit = await within(run.exited, 15_000, 'the child did not exit once its pipe was read', run);
  expect(exit).toMatchObject({ code: 0, signal: null, last: { code: 0 } });
  expect(exit.last!.at - readFrom).toBeLessThan(10_000);
  expect(onlyOwnLines(run)).toEqual([]);
  return { ...exit, last: exit.last! };
}
