import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LifecycleContainer } from '../src/index.js';

const fixture = fileURLToPath(new URL('./fixtures/signal-app.mjs', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  msAfterSignal: number;
}

/** Start the fixture, wait for "ready", send the signals, and collect how it ended. */
function runWithSignals(mode: string, signals: NodeJS.Signals[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture], { env: { ...process.env, MODE: mode, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fixture ${mode} did not exit; stdout=${stdout} stderr=${stderr}`));
    }, 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (sentAt === 0 && stdout.includes('ready')) {
        sentAt = performance.now();
        signals.forEach((s, k) => setTimeout(() => child.kill(s), k * 150));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, msAfterSignal: performance.now() - sentAt });
    });
  });
}

describe('signals, in a real child process', () => {
  it('first SIGTERM shuts down in order, prints the report and exits 0 without process.exit', async () => {
    const run = await runWithSignals('clean', ['SIGTERM']);
    expect(run.code).toBe(0);
    expect(run.stdout.indexOf('stopped server')).toBeLessThan(run.stdout.indexOf('stopped db'));
    expect(run.stderr).toContain('SIGTERM received, shutting down');
    expect(run.stderr).toMatch(/shutdown ok in/);
    expect(run.stderr).toMatch(/server\s+stopped/);
  });

  it('exits 1 when a node fails, after every node was stopped', async () => {
    const run = await runWithSignals('fail', ['SIGTERM']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('stopped db');
    expect(run.stderr).toMatch(/server\s+failed.*server stop failed/);
  });

  it('a second SIGINT exits at once with 130 and names what was pending', async () => {
    const run = await runWithSignals('slow', ['SIGINT', 'SIGINT']);
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/second signal \(SIGINT\).*exiting now with code 130; still pending: server \(stop, \d+ ms\)/);
    expect(run.msAfterSignal).toBeLessThan(1500);
    expect(run.stdout).not.toContain('stopped db');
  });

  it('when the global deadline passes it says what was cut and exits hard with 1', async () => {
    const run = await runWithSignals('hang', ['SIGTERM'], { DEADLINE_MS: '400' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/global deadline of 400 ms passed; cut short: server \(timedOut, \d+ ms\), db \(skipped\)/);
    expect(run.msAfterSignal).toBeLessThan(3000);
  });

  it('a SIGTERM during startup stops what started and exits non-zero', async () => {
    const run = await runWithSignals('slow-start', ['SIGTERM']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('start rejected: StartAbortedError');
    expect(run.stdout.indexOf('stopped server')).toBeLessThan(run.stdout.indexOf('stopped db'));
  });

  it('the returned function removes the handlers', () => {
    const before = process.listenerCount('SIGTERM');
    const remove = new LifecycleContainer().handleSignals();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    remove();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
