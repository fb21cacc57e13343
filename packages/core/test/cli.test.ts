import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleContainer, ShutdownReport } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const bin = join(root, pkg.bin.quiesce!);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI as a child process, as a user runs it. */
function quiesce(args: string[], stdin?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd: dir, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

let dir: string;
let report: ShutdownReport;
let reportFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-cli-'));
  const app = new LifecycleContainer({ shutdownTimeoutMs: 2_000 })
    .resource('db', { value: 1, stop: () => new Promise((r) => setTimeout(r, 20)) })
    .resource('cache', { value: 2, policy: 'bestEffort', stop: () => { throw new Error('cache flush refused'); } })
    .resource('api', { value: 3, dependsOn: ['db', 'cache'], stop: () => new Promise((r) => setTimeout(r, 30)) });
  await app.start();
  report = await app.shutdown();
  reportFile = join(dir, 'report.json');
  writeFileSync(reportFile, JSON.stringify(report, null, 2));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quiesce render: a captured report, rendered by the report itself', () => {
  it('--table of a JSON file prints exactly the table the live report printed', async () => {
    const run = await quiesce(['render', reportFile, '--table']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`${report.toTable()}\n`);
    expect(run.stdout).toMatch(/cache \(best effort\)\s+failed.*cache flush refused/);
    // The table is the default format.
    expect((await quiesce(['render', reportFile])).stdout).toBe(run.stdout);
  });

  it('reads the latest report out of a pino log file (its "report" field) and renders the SVG', async () => {
    const log = join(dir, 'service.log');
    const logger = pino(pino.destination({ dest: log, sync: true }));
    logger.info({ report: { ...report.toJSON(), ok: false, nodes: [] } }, 'an older shutdown');
    logger.info({ port: 8080 }, 'listening');
    logger.info({ report }, 'shutdown report');
    logger.info('bye');
    const run = await quiesce(['render', log, '--svg']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${ShutdownReport.fromJSON(JSON.parse(JSON.stringify(report))).toSVG()}\n`);
    expect(run.stdout).toMatch(/^<svg/);
    for (const name of ['db', 'cache', 'api']) expect(run.stdout).toContain(`data-node="${name}"`);
  });

  it('reads stdin for "-", a prefixed log line included, and writes the HTML page with -o', async () => {
    const out = join(dir, 'report.html');
    const lines = `starting…\nquiesce-report ${JSON.stringify(report)}\nservice exited with code 0\n`;
    const run = await quiesce(['render', '-', '--html', '-o', out], lines);
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('cache flush refused');
  });
});

describe('quiesce render refuses what it cannot read, with exit code 2', () => {
  it('another schema version is named, with the one this version reads', async () => {
    const file = join(dir, 'v2.json');
    writeFileSync(file, JSON.stringify({ ...report.toJSON(), schema: 'quiesce.shutdown-report/2' }));
    const run = await quiesce(['render', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unsupported report schema "quiesce.shutdown-report/2": this quiesce reads "quiesce.shutdown-report/1" [QUIESCE_REPORT_INPUT]');
    expect(run.stdout).toBe('');
  });

  it('a log without any report, and a report with a malformed field (named)', async () => {
    const none = join(dir, 'plain.log');
    writeFileSync(none, '{"level":30,"msg":"listening"}\nnot json at all\n');
    const a = await quiesce(['render', none]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('no quiesce shutdown report found');
    const bad = join(dir, 'bad.json');
    const json = report.toJSON();
    writeFileSync(bad, JSON.stringify({ ...json, nodes: [{ ...json.nodes[0], status: 'exploded' }] }));
    const b = await quiesce(['render', bad]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/nodes\.0\.status: /);
    // A field the renderers need is missing: refused by name, not a TypeError in the table.
    const { failedNodes: _, ...withoutFailed } = json;
    writeFileSync(bad, JSON.stringify(withoutFailed));
    const c = await quiesce(['render', bad]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/failedNodes: /);
    expect(c.stderr).not.toContain('TypeError');
  });

  it('a missing file, an unknown flag, an unknown command, two formats', async () => {
    const missing = await quiesce(['render', join(dir, 'nope.json')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('cannot read it (ENOENT)')]);
    const flag = await quiesce(['render', reportFile, '--frobnicate']);
    expect([flag.code, flag.stderr]).toEqual([2, expect.stringContaining("unknown option '--frobnicate'")]);
    const top = await quiesce(['--colour']);
    expect([top.code, top.stderr]).toEqual([2, expect.stringContaining("unknown option '--colour'")]);
    const command = await quiesce(['draw', reportFile]);
    expect([command.code, command.stderr]).toEqual([2, expect.stringContaining("unknown command 'draw'; commands: render")]);
    const two = await quiesce(['render', reportFile, '--svg', '--html']);
    expect([two.code, two.stderr]).toEqual([2, expect.stringContaining('choose one format, not --html and --svg')]);
  });

  it('an output file that cannot be written is exit code 1, not a usage error', async () => {
    const run = await quiesce(['render', reportFile, '-o', join(dir, 'no-such-dir', 'out.txt')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ENOENT');
  });
});

describe('quiesce --help, --version', () => {
  it('lists the commands, prints each one\'s usage and the package version', async () => {
    const help = await quiesce(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: quiesce <command>[\s\S]*\n {2}render {2}render a captured shutdown report/);
    const renderHelp = await quiesce(['render', '--help']);
    expect(renderHelp.code).toBe(0);
    expect(renderHelp.stdout).toContain('usage: quiesce render <file | -> [--html | --svg | --table] [-o <file>]');
    expect((await quiesce(['--version'])).stdout).toBe(`${pkg.version}\n`);
    const bare = await quiesce([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('usage: quiesce <command>');
  });

  it('the bin is an executable script with a node shebang', () => {
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
