import { describe, expect, it } from 'vitest';
import { LifecycleContainer } from '../src/index.js';
import { runWithSignals } from './support/signal-run.js';
import { collectingUnhandled } from './support/unhandled.js';

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

  it('8. crashes: an uncaught exception takes the ordered path, prints the report and exits 1', async () => {
    const run = await runWithSignals('crash', []);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/quiesce: crash \(Error: first crash/);
    expect(run.stdout.indexOf('stopped server')).toBeLessThan(run.stdout.indexOf('stopped db'));
    expect(run.stderr).toMatch(/server\s+stopped/);
    expect(run.stderr).toContain('exiting with code 1');
  });

  it('8. a second crash during that shutdown exits at once with the pending list', async () => {
    const run = await runWithSignals('crash-twice', []);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/crash during shutdown \(Error: second crash[\s\S]*still pending: server \(stop, \d+ ms\)/);
    expect(run.stdout).not.toContain('stopped db');
  });

  it('8. a hook calling process.exit() mid-shutdown: the report so far and what was pending are still written', async () => {
    const run = await runWithSignals('exit-in-hook', ['SIGTERM']);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/process\.exit\(7\) was called during shutdown, before it finished; so far: .*db ready.*; still pending: audit \(stop, \d+ ms\)/);
  });

  it('6. handlers belong to one shutdown: after a programmatic shutdown they are gone (30 containers, no leak)', async () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT'), exit: process.listenerCount('exit') };
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      for (let k = 0; k < 30; k++) {
        const app = new LifecycleContainer().resource('db', { value: k, stop: () => undefined });
        await app.start();
        app.handleSignals();
        expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
        await app.shutdown();
        expect(process.listenerCount('SIGTERM')).toBe(before.term);
      }
      expect(process.listenerCount('SIGINT')).toBe(before.int);
      expect(process.listenerCount('exit')).toBe(before.exit);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a throwing onReport does not turn a clean shutdown into a crash or exit code 1', async () => {
    const exitCodeBefore = process.exitCode;
    const errors: string[] = [];
    const write = process.stderr.write;
    await collectingUnhandled(async (unhandled) => {
      try {
        process.stderr.write = ((text: string) => (errors.push(String(text)), true)) as typeof process.stderr.write;
        const app = new LifecycleContainer().resource('db', { value: 1, stop: () => undefined });
        await app.start();
        app.handleSignals({ signals: ['SIGUSR2'], exitGraceMs: false, write: () => undefined, onReport: () => { throw new Error('onReport bug'); } });
        process.emit('SIGUSR2', 'SIGUSR2');
        const report = await app.shutdown();
        await new Promise((r) => setTimeout(r, 20));
        expect(report.ok).toBe(true);
        expect(process.exitCode).toBe(0);
        expect(unhandled).toEqual([]);
        expect(errors.join('')).toContain('onReport bug');
      } finally {
        process.stderr.write = write;
        process.exitCode = exitCodeBefore;
      }
    });
  });

  it('the returned function removes the handlers', () => {
    const before = process.listenerCount('SIGTERM');
    const remove = new LifecycleContainer().handleSignals();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    remove();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
