import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The product's last promise, tested the way close-with-grace and terminus test theirs: a real
// child process, real signals, every outcome with and without something else holding the loop.
// The process must end by the deadline plus the exit grace, with the report's code, and name
// what held it — in the log and in the report file.

const fixture = fileURLToPath(new URL('./fixtures/exit-app.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'quiesce-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** ms from the first signal (or from "ready" when none is sent) to the exit. */
  msToExit: number;
  report: { ok: boolean; nodes: { name: string; status: string; error?: { code?: string } }[]; exit?: Exit } | undefined;
}
interface Exit {
  code: number;
  cause: string;
  afterReportMs?: number;
  heldBy: { type: string; detail?: string; node?: string; phase?: string; createdAt?: string; count: number }[];
  releasedWrites?: { fd: number; discardedBytes: number; stillBlocked: boolean }[];
}

let runs = 0;
function run(env: Record<string, string>, signals: NodeJS.Signals[] = ['SIGTERM']): Promise<Ended> {
  const reportFile = join(dir, `report-${++runs}.json`);
  return new Promise((resolve, reject) => {
    // fd 3: a real pipe (a FIFO; spawn's 'pipe' would be a socket pair) this test never reads.
    const fifo = join(dir, `fifo-${runs}`);
    execFileSync('mkfifo', [fifo]);
    const fd = openSync(fifo, 'r+');
    const child = spawn(process.execPath, [fixture], {
      env: { ...process.env, REPORT_FILE: reportFile, STOP_TIMEOUT_MS: '300', DEADLINE_MS: '1500', ...env },
      stdio: ['ignore', 'ignore', 'pipe', fd],
    });
    closeSync(fd);
    let stderr = '';
    let from = 0;
    // Starting up may be slow on a loaded machine; the bound that matters counts from "ready".
    const kill = (why: string) => () => {
      child.kill('SIGKILL');
      reject(new Error(`${why} (killed); stderr:\n${stderr}`));
    };
    let guard = setTimeout(kill('the child never became ready within 60 s'), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (from === 0 && stderr.includes('ready')) {
        from = performance.now();
        clearTimeout(guard);
        guard = setTimeout(kill('the child did not exit within 10 s of ready'), 10_000);
        signals.forEach((s, k) => setTimeout(() => child.kill(s), k * 150));
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      let report: Ended['report'];
      try {
        report = JSON.parse(readFileSync(reportFile, 'utf8'));
      } catch {}
      resolve({ code, signal, stderr, msToExit: performance.now() - from, report });
    });
  });
}

const GRACE_MS = 1000;
// Deadline 1.5 s + grace 1 s, plus room for a loaded CI machine (seen: 4.1 s at load 10 on 2 cores).
// Without the exit watchdog these processes never end: the bound only has to tell the two apart.
const BOUND_MS = 1500 + GRACE_MS + 3000;

describe.concurrent('the process ends by the deadline, whatever holds its event loop', { timeout: 75_000 }, () => {
  const outcomes = [
    { outcome: 'clean', code: 0, ok: true },
    { outcome: 'fail', code: 1, ok: false },
    { outcome: 'hung', code: 1, ok: false },
  ];
  const strays = ['none', 'interval', 'server'];
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    for (const { outcome, code, ok } of outcomes) {
      for (const stray of strays) {
        it(`${signal} × ${outcome} × stray ${stray}: exit ${code}, ${stray === 'none' ? 'by itself' : 'after naming what held it'}`, async () => {
          const ended = await run({ OUTCOME: outcome, STRAY: stray }, [signal]);
          expect(ended.signal).toBeNull();
          expect(ended.code).toBe(code);
          expect(ended.msToExit).toBeLessThan(BOUND_MS);
          expect(ended.report?.ok).toBe(ok);
          const exit = ended.report!.exit!;
          expect(exit.code).toBe(code);
          if (stray === 'none') {
            expect(exit.cause).toBe('exitedByItself');
            expect(ended.stderr).not.toContain('still held');
            return;
          }
          expect(exit.cause).toBe('heldAfterReport');
          expect(exit.afterReportMs).toBeGreaterThanOrEqual(GRACE_MS * 0.9);
          const type = stray === 'interval' ? 'Timeout' : 'TCPServerWrap';
          expect(exit.heldBy.map((h) => h.type)).toContain(type);
          expect(ended.stderr).toMatch(new RegExp(`still held ${GRACE_MS} ms after the shutdown report; exiting with code ${code}\\. Still holding the process: .*${type}`));
          if (stray === 'server') expect(ended.stderr).toMatch(/TCPServerWrap listening on 127\.0\.0\.1:\d+/);
          // The child's stdout/stderr are pipes: they never hold a process, and are not named.
          expect(exit.heldBy.map((h) => h.type)).not.toContain('PipeWrap');
        });
      }
    }
  }

  it('a crash takes the ordered path and exits 1, naming the stray interval', async () => {
    const ended = await run({ OUTCOME: 'crash', STRAY: 'interval' }, []);
    expect(ended.code).toBe(1);
    expect(ended.msToExit).toBeLessThan(BOUND_MS);
    expect(ended.report!.exit).toMatchObject({ code: 1, cause: 'crash' });
    expect(ended.report!.exit!.heldBy.map((h) => h.type)).toContain('Timeout');
    expect(ended.stderr).toMatch(/shutdown after the crash finished; exiting with code 1\. Still holding the process: .*Timeout/);
  });

  it('a socket a node opened in its start and never closed is named with that node and where it was created', async () => {
    const ended = await run({ OUTCOME: 'clean', STRAY: 'node-socket' });
    expect(ended.code).toBe(0);
    const held = ended.report!.exit!.heldBy.find((h) => h.node === 'api');
    expect(held).toMatchObject({ type: 'TCPSocketWrap', phase: 'start' });
    expect(held!.detail).toMatch(/^127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+$/);
    expect(held!.createdAt).toMatch(/exit-app\.mjs:\d+:\d+/);
    expect(ended.stderr).toMatch(/TCPSocketWrap 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ \(created by api during start at .*exit-app\.mjs/);
  });

  it('a write stuck on a pipe nobody reads does not keep process.exit() from returning: the pipe is read off and the bytes counted', async () => {
    const ended = await run({ OUTCOME: 'clean', STRAY: 'stuck-pipe' });
    expect(ended.signal).toBeNull();
    expect(ended.code).toBe(0);
    expect(ended.msToExit).toBeLessThan(BOUND_MS);
    const exit = ended.report!.exit!;
    expect(exit.heldBy.map((h) => h.type)).toContain('FSReqCallback');
    expect(exit.releasedWrites).toEqual([expect.objectContaining({ fd: 3, discardedBytes: expect.any(Number), stillBlocked: false })]);
    // 1 MiB was written; the pipe held up to 64 KiB of it before the write blocked.
    expect(exit.releasedWrites![0]!.discardedBytes).toBeGreaterThan(512 * 1024);
    expect(ended.stderr).toMatch(/a write to fd 3 \(.*\) was blocked because nobody reads it: discarded \d+ bytes/);
  });

  it('a second signal exits at once with 128 + signo, and the report file holds the report so far', async () => {
    const ended = await run({ OUTCOME: 'hung', STRAY: 'none', STOP_TIMEOUT_MS: '5000', DEADLINE_MS: '5000' }, ['SIGTERM', 'SIGINT']);
    expect(ended.code).toBe(130);
    expect(ended.msToExit).toBeLessThan(1500);
    expect(ended.report!.ok).toBe(false);
    expect(ended.report!.exit).toMatchObject({ code: 130, cause: 'secondSignal' });
    const byName = Object.fromEntries(ended.report!.nodes.map((n) => [n.name, n]));
    expect(byName.api).toMatchObject({ status: 'failed', error: { code: 'QUIESCE_PROCESS_EXITED' } });
    expect(byName.db).toMatchObject({ status: 'skipped' });
  });

  it("a hook's process.exit() still leaves a complete report file: what stopped, what was running, what never began, ok false", async () => {
    const ended = await run({ OUTCOME: 'exit-in-hook', STRAY: 'none' });
    expect(ended.code).toBe(7);
    const report = ended.report!;
    expect(report.ok).toBe(false);
    expect(report.exit).toMatchObject({ code: 7, cause: 'processExitCalled' });
    const byName = Object.fromEntries(report.nodes.map((n) => [n.name, n]));
    expect(byName.api).toMatchObject({ status: 'failed', error: { code: 'QUIESCE_PROCESS_EXITED' } });
    expect(byName.db).toMatchObject({ status: 'skipped', reason: expect.stringContaining('never began: process.exit(7) was called first') });
  });

  it('exitGraceMs: false (embedders) leaves the process to its owner: it is still alive after the report', async () => {
    const pending = run({ OUTCOME: 'clean', STRAY: 'interval', EXIT_GRACE_MS: 'false' });
    const outcome = await Promise.race([pending.then(() => 'exited'), new Promise((r) => setTimeout(() => r('alive'), 4000))]);
    expect(outcome).toBe('alive');
    await pending.catch(() => undefined); // the guard kills it at 10 s
  }, 75_000);
});
