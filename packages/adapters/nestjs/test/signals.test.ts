import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/sigterm-app.mjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string[];
  stderr: string;
  /** From SIGTERM to the process's exit. */
  exitMs: number;
}

/** Starts the fixture, sends SIGTERM once it listens, and waits for it to exit by itself. */
function sigterm(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  let stderr = '';
  let sentAt = 0;
  const hardCap = setTimeout(() => child.kill('SIGKILL'), 15_000);
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
      }
    }
  });
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(hardCap);
      resolve({ code, stdout, stderr, exitMs: performance.now() - sentAt });
    });
  });
}

describe('SIGTERM through lifecycle.handleSignals()', () => {
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
