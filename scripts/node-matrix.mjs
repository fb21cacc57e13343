// Runs the test suite under other Node lines than the one running this script. Signal handling,
// require(esm), http close semantics and timers differ between 20, 22 and 24: the tests are where
// that shows. Node binaries: see node-binaries.mjs.
//
//   node scripts/node-matrix.mjs [--node 22,24] [vitest args…]     (pnpm test:matrix)
//   e.g. pnpm test:matrix -- --node 24 --project core
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { installNode } from './node-binaries.mjs';
import { root } from './pack.mjs';

// `pnpm test:matrix -- …` forwards the `--`; vitest would read it as the end of its options.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
const at = args.indexOf('--node');
const lines = at >= 0 ? args.splice(at, 2)[1].split(',') : ['22', '24'];

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
