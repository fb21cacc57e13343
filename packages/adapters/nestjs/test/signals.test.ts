import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/sigterm-app.mjs', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string[];
  stderr: string;
  /** From SIGTERM to the process's exit. */
  exitMs: number;
}

/** Starts the fixture, sends SIGTERM once it listens, and waits for it to exit by itself (SIGKILL `capMs` after the SIGTERM). */
function sigterm(args: string[], capMs = 10_000): Promise<Run> {
  const child = spawn(process.execPath, [FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  let stderr = '';
  let sentAt = 0;
  // Also before the SIGTERM: a fixture that never gets ready cannot hang the test.
  let hardCap = setTimeout(() => child.kill('SIGKILL'), 15_000);
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      stdout.push(line);
      if (line.startsWith('ready ')) {
        sentAt = performance.now();
        child.kill('SIGTERM');
        clearTimeout(hardCap);
        hardCap = setTimeout(() => child.kill('SIGKILL'), capMs);
      }
    }
  });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(hardCap);
      resolve({ code, signal, stdout, stderr, exitMs: performance.now() - sentAt });
    });
  });
}

// Each test is a process of its own: run side by side (Nest's start costs ≈ 1 s a process).
describe.concurrent('SIGTERM through lifecycle.handleSignals()', () => {
  it('runs the hooks in provider order with the signal, prints the report, closes the HTTP server, exits 0 by itself', async () => {
    const run = await sigterm([]);
    expect(run.stdout.slice(1)).toEqual(['db outbox flushed on SIGTERM', 'db closed']);
    expect(run.stderr).toMatch(/shutdown ok/);
    expect(run.code).toBe(0);
    // Nothing held the process after the report: it did not need exitGraceMs (1 s) to end.
    expect(run.exitMs).toBeLessThan(1_000);
  });

  it('a hung hook is cut at its timeout: report not ok, what it injects still stops, exit code 1', async () => {
    const run = await sigterm(['hang']);
    expect(run.stdout.slice(1)).toEqual(['db closed']);
    expect(run.stderr).toMatch(/Publisher\s+timedOut/);
    expect(run.stderr).toMatch(/beforeApplicationShutdown\(\) still running/);
    expect(run.code).toBe(1);
    expect(run.exitMs).toBeLessThan(2_500);
  });
});

describe.concurrent('the same app with Nest alone (app.enableShutdownHooks())', () => {
  it('destroys the db before the publisher’s beforeApplicationShutdown (#15936): the outbox flush is lost', async () => {
    const run = await sigterm(['plain']);
    expect(run.stdout.slice(1)).toEqual(['db closed', 'outbox lost: db closed']);
    // Nest re-sends the signal to itself once its hooks ran: no exit code, no report.
    expect(run.signal).toBe('SIGTERM');
  });

  it('with the hung hook never ends by itself: still alive 2 s after SIGTERM (killed by the test)', async () => {
    const run = await sigterm(['plain', 'hang'], 2_000);
    expect(run.signal).toBe('SIGKILL');
    expect(run.exitMs).toBeGreaterThanOrEqual(1_900);
  });
});
