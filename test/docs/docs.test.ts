// The docs test: every snippet of the README and docs/guides/*.md that is marked runnable is written
// into one fresh project that installs the packed tarballs (as the consumer test does: pnpm pack
// rewrites the workspace ranges, npm installs them outside the workspace), compiled with the
// tsconfig the README states, and run. Snippets that serve HTTP get SIGTERM once they answered a
// loopback request and must exit with the expected code after printing a report.
//
//   npx vitest run --project integration test/docs/docs.test.ts      (KEEP=1 keeps the project)
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getFreePort } from '../../packages/test-servers/src/index.js';
import type {} from '../../packages/test-servers/src/provided-context.js';
import { readPage, type Page, type Snippet } from './snippets.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

// The pages a user reads. The package READMEs are not here yet (their snippets are fragments
// written against the repo's workspace; see CONTRIBUTING.md).
const docs = ['README.md', ...readdirSync(join(root, 'docs/guides')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/guides/${f}`)];
const pages: Page[] = docs.map((doc) => readPage(root, doc));
const snippets = pages.flatMap((p) => p.snippets);

// What the pages tell the reader to install, besides the tarballs.
const PACKAGES = ['@quiesce/core', '@quiesce/http', '@quiesce/pg'];
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const core = readJson(join(root, 'packages/core/package.json'));
const pg = readJson(join(root, 'packages/adapters/pg/package.json'));
const flush = readJson(join(root, 'packages/adapters/flush/package.json'));
const THIRD_PARTY: Record<string, string> = {
  inversify: core.peerDependencies.inversify,
  'reflect-metadata': core.peerDependencies['reflect-metadata'],
  pg: pg.devDependencies.pg,
  pino: flush.devDependencies.pino,
  express: '^5.1.0',
};
const DEV: Record<string, string> = {
  // `npm install -D typescript` gives TypeScript 7 today: what a newcomer compiles with.
  typescript: '^7.0.2',
  '@types/node': readJson(join(root, 'package.json')).devDependencies['@types/node'],
  '@types/pg': pg.devDependencies['@types/pg'],
  '@types/express': '^5.0.0',
};

let work: string;
let diagnostics: string[] = [];

function pnpmPack(destination: string): Map<string, string> {
  const pinned = readJson(join(root, 'package.json')).packageManager;
  const filters = PACKAGES.flatMap((p) => ['--filter', p]);
  execFileSync('npx', ['-y', pinned, '-r', ...filters, 'pack', '--pack-destination', destination], { cwd: root, stdio: 'pipe' });
  const tarballs = new Map<string, string>();
  for (const name of PACKAGES) tarballs.set(name, join(destination, `${name.replace(/^@/, '').replace('/', '-')}-${core.version}.tgz`));
  return tarballs;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'quiesce-docs-'));
  const tarballs = pnpmPack(join(work, 'tarballs'));
  const project = join(work, 'project');
  mkdirSync(project);
  const dependencies = { ...Object.fromEntries([...tarballs].map(([name, path]) => [name, `file:${path}`])), ...THIRD_PARTY };
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'docs-snippets', private: true, type: 'module', dependencies, devDependencies: DEV }, null, 2));
  const tsconfig = pages.find((p) => p.doc === 'README.md')?.tsconfig;
  if (!tsconfig) throw new Error('README.md has no `<!-- docs-test: tsconfig -->` json fence');
  writeFileSync(join(project, 'tsconfig.json'), tsconfig);
  for (const s of snippets) {
    if (s.mode === 'skip') continue;
    mkdirSync(dirname(join(project, s.path)), { recursive: true });
    writeFileSync(join(project, s.path), s.code);
  }
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: project });
  // One compile for every TypeScript snippet; errors are attributed to their snippet below.
  try {
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project });
  } catch (error) {
    const out = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    diagnostics = out.split('\n').filter((l) => l.trim() !== '');
    if (diagnostics.length === 0) throw error;
  }
}, 240_000);

afterAll(() => {
  if (process.env.KEEP) console.log(`docs project kept in ${work}`);
  else if (work) rmSync(work, { recursive: true, force: true });
});

describe('the user docs', () => {
  it('mark every code fence (run, typecheck, or skip with a reason)', () => {
    expect(pages.flatMap((p) => p.unmarked)).toEqual([]);
  });

  it('run the Quick start and every guide', () => {
    expect(snippets.some((s) => s.doc === 'README.md' && s.mode === 'run' && s.http)).toBe(true);
    for (const doc of docs.filter((d) => d.startsWith('docs/guides/') && !d.endsWith('README.md'))) {
      expect(snippets.filter((s) => s.doc === doc && s.mode === 'run').length, `${doc} has no runnable snippet`).toBeGreaterThan(0);
    }
  });
});

const compiled = snippets.filter((s) => s.mode !== 'skip');
describe.each(compiled.map((s) => [`${s.doc}:${s.line} (${s.mode}${s.http ? ', http' : ''})`, s] as const))('%s', (_title, snippet) => {
  it('compiles', () => {
    if (snippet.lang === 'js') return; // plain ES modules: Node checks them when they run
    expect(diagnostics.filter((d) => d.startsWith(snippet.path))).toEqual([]);
  });
  if (snippet.mode === 'run') {
    it(`runs and exits ${snippet.exit}`, async () => {
      const outcome = await execute(snippet);
      const output = `${outcome.stdout}${outcome.stderr}`;
      expect(outcome.code, output).toBe(snippet.exit);
      if (snippet.http) {
        expect(outcome.answered, output).toBe(true);
        expect(output).toMatch(/shutdown (ok|NOT ok) in |"schema":"quiesce\.shutdown-report\/1"/);
      }
      for (const text of snippet.expect) expect(output).toContain(text);
      // The docs' own numbers fit: no example warns that its plan does not fit its deadline.
      if (!snippet.warns) expect(output).not.toMatch(/QUIESCE_PLAN_(DOES_NOT_FIT|WARNING)|does not fit the deadline/);
    });
  }
});

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  answered: boolean;
}

async function execute(snippet: Snippet): Promise<Outcome> {
  const project = join(work, 'project');
  const entry = snippet.lang === 'ts' ? snippet.path.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js') : snippet.path;
  const port = await getFreePort();
  const env = {
    ...process.env,
    PORT: String(port),
    DATABASE_URL: inject('servers').pg.url,
    // The guides read it so a reader can try them without waiting out a Kubernetes-sized delay.
    DRAIN_DELAY_MS: '200',
    NODE_OPTIONS: '',
  };
  delete (env as Record<string, string | undefined>).KUBERNETES_SERVICE_HOST;
  const child = spawn(process.execPath, [entry], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
  let answered = false;
  if (snippet.http) {
    let gone = false;
    void exited.then(() => (gone = true));
    for (let i = 0; i < 200 && !answered && !gone; i++) {
      answered = await get(port);
      if (!answered) await new Promise((r) => setTimeout(r, 100));
    }
    if (answered) child.kill('SIGTERM');
  }
  const code = await exited;
  clearTimeout(kill);
  return { code, stdout, stderr, answered };
}

function get(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(true));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
