import { closeSync, existsSync, openSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, LifecycleContainer } from '../src/index.js';
import { terminationLogPath, terminationSummary, truncateUtf8 } from '../src/process/report-files.js';
import { runWithSignals } from './support/signal-run.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'quiesce-report-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('handleSignals({ reportFile }): the JSON report on disk after a signal', () => {
  it('a SIGTERM writes the pretty JSON report by renaming a temp file over the old one', async () => {
    const dir = tempDir();
    const file = join(dir, 'report.json');
    writeFileSync(file, 'an older report');
    const inodeBefore = statSync(file).ino;
    // Held open so its inode number cannot be reused by the rename that writes the exit record.
    const holdOld = openSync(file, 'r');
    const run = await runWithSignals('clean', ['SIGTERM'], { REPORT_FILE: file });
    expect(run.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\{\n {2}"schema": "quiesce\.shutdown-report\/1",\n/);
    const json = JSON.parse(text);
    expect(json.ok).toBe(true);
    expect(json.nodes.map((n: { name: string; status: string }) => `${n.name} ${n.status}`).sort()).toEqual(['db stopped', 'server stopped']);
    // A rename gives the path a new inode; writing in place would keep the old one.
    expect(statSync(file).ino).not.toBe(inodeBefore);
    closeSync(holdOld);
    expect(readdirSync(dir)).toEqual(['report.json']); // no temp file left behind
  });

  it('a missing directory is logged as QUIESCE_REPORT_WRITE, not created, and the exit code stays 0', async () => {
    const dir = tempDir();
    const file = join(dir, 'not-there', 'report.json');
    const run = await runWithSignals('clean', ['SIGTERM'], { REPORT_FILE: file });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Could not write the shutdown report to ${file}: directory ${join(dir, 'not-there')} does not exist`);
    expect(run.stderr).toContain('(QUIESCE_REPORT_WRITE)');
    expect(existsSync(join(dir, 'not-there'))).toBe(false);
    expect(run.stderr).toMatch(/shutdown ok in/);
  });

  it('a failed shutdown is written too, and its exit code is still 1', async () => {
    const file = join(tempDir(), 'report.json');
    const run = await runWithSignals('fail', ['SIGTERM'], { REPORT_FILE: file });
    expect(run.code).toBe(1);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.ok).toBe(false);
    expect(json.nodes.find((n: { name: string }) => n.name === 'server').error.message).toBe('server stop failed');
  });
});

describe('handleSignals({ terminationLog }): one line for kubectl describe pod', () => {
  it('a deadline that passed: the line says NOT ok, the critical path with times, and who timed out', async () => {
    const log = join(tempDir(), 'termination-log');
    const run = await runWithSignals('hang', ['SIGTERM'], { DEADLINE_MS: '400', TERMINATION_LOG: log });
    expect(run.code).toBe(1);
    const line = readFileSync(log, 'utf8');
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^quiesce: shutdown NOT ok in \d+ ms: .*server timedOut \(cut in stop\).*, global deadline 400 ms passed; critical path: server \d+ ms; /);
    expect(line).toMatch(/; why: server timedOut: server: stop did not finish before the global deadline of 400 ms/);
    // The hard exit that follows a passed deadline must not replace the summary with its own message.
    expect(line).not.toContain('Exiting hard');
  });

  it('a second signal leaves what was still pending there instead of a report', async () => {
    const log = join(tempDir(), 'termination-log');
    const run = await runWithSignals('slow', ['SIGINT', 'SIGINT'], { TERMINATION_LOG: log });
    expect(run.code).toBe(130);
    expect(readFileSync(log, 'utf8')).toMatch(/second signal \(SIGINT\).*still pending: server \(stop, \d+ ms\)/);
  });

  it('false turns it off even in Kubernetes; the default needs Kubernetes and a writable file', () => {
    const dir = tempDir();
    const k8sFile = join(dir, 'termination-log');
    const inK8s = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };
    expect(terminationLogPath(undefined, inK8s, k8sFile)).toBeUndefined(); // not there
    writeFileSync(k8sFile, '');
    expect(terminationLogPath(undefined, inK8s, k8sFile)).toBe(k8sFile);
    expect(terminationLogPath(undefined, {}, k8sFile)).toBeUndefined(); // not in Kubernetes
    expect(terminationLogPath(false, inK8s, k8sFile)).toBeUndefined();
    expect(terminationLogPath('/elsewhere/log', {}, k8sFile)).toBe('/elsewhere/log');
  });

  it('the summary never passes 4096 bytes and never splits a character', async () => {
    const app = new LifecycleContainer().resource('mailer', {
      value: 1,
      stop: () => {
        throw new Error(`refusé ${'é🚀'.repeat(3000)}\nsecond line`);
      },
    });
    await app.start();
    const line = terminationSummary(await app.shutdown());
    expect(line).not.toContain('\n');
    const cut = truncateUtf8(line, 4096);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(cut)).toBeGreaterThan(4090);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    expect(cut.startsWith('quiesce: shutdown NOT ok')).toBe(true);
    expect(truncateUtf8('short', 4096)).toBe('short');
  });
});

describe('handleSignals() options are checked before any handler is installed', () => {
  it.each([
    [{ reportFile: '' }, 'reportFile'],
    [{ terminationLog: true }, 'terminationLog'],
    [{ signals: ['TERM'] }, 'signals.0'],
    [{ reportfile: '/tmp/r.json' }, 'reportfile'],
    [{ crashes: 'yes' }, 'crashes'],
    [null, '(root)'],
  ])('%j is refused naming %s', (options, field) => {
    const before = process.listenerCount('SIGTERM');
    const app = new LifecycleContainer();
    let error: unknown;
    try {
      app.handleSignals(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).issues.map((i) => i.field)).toEqual([field]);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
