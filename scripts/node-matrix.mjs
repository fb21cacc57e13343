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

// Files the matrix leaves out (vitest --exclude); each runs once, on the machine's Node 20, in the plain suite.
// - The rolling deploy (3 replicas behind HAProxy, ~35 s) is about processes and a load balancer, not
//   about Node-version semantics: running it twice more would add over a minute to CI and prove nothing new.
const EXCLUDED = ['examples/service/test/rolling-deploy.test.ts'];

const results = [];
for (const line of lines) {
  const bin = installNode(line);
  const version = execFileSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
  const vitestArgs = ['run', ...args, ...EXCLUDED.flatMap((file) => ['--exclude', file])];
  console.log(`\nnode-matrix: ${version} — vitest ${vitestArgs.join(' ')}`);
  const started = performance.now();
  // PATH first too: tests and the servers' helpers that spawn `node` by name get the same line.
  const run = spawnSync(join(bin, 'node'), [join(root, 'node_modules/vitest/vitest.mjs'), ...vitestArgs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  results.push({ version, ok: run.status === 0, seconds: ((performance.now() - started) / 1000).toFixed(0) });
}
for (const r of results) console.log(`node-matrix: ${r.version} ${r.ok ? 'passed' : 'FAILED'} (${r.seconds} s)`);
if (results.some((r) => !r.ok)) process.exit(1);
