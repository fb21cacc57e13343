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

// The matrix is about Node-version semantics, and CI has a time budget (the whole run on Node 20
// and again on each line): these files run on the main line only (vitest --exclude), each for a
// stated reason.
const MAIN_LINE_ONLY = [
  // The harness's own tests (install, start and stop the servers): the same Debian binaries under every Node.
  'packages/test-servers/test/servers.test.ts',
  // pnpm's and npm's shells in a pty: about the package manager's process tree, not Node's.
  'examples/service/test/demo-launcher.test.ts',
  // The rolling deploy (3 replicas behind HAProxy, ~35 s): about processes and a load balancer,
  // not Node-version semantics; twice more would add over a minute and prove nothing new.
  'examples/service/test/rolling-deploy.test.ts',
];
// The seeded property test keeps its invariants on every line; 300 random graphs instead of 1,500 here.
const SOAK = process.env.QUIESCE_SOAK ?? '300';

const results = [];
for (const line of lines) {
  const bin = installNode(line);
  const version = execFileSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
  const vitestArgs = ['run', ...args, ...MAIN_LINE_ONLY.flatMap((file) => ['--exclude', file])];
  console.log(`\nnode-matrix: ${version} — vitest ${vitestArgs.join(' ')} (QUIESCE_SOAK=${SOAK})`);
  const started = performance.now();
  // PATH first too: tests and the servers' helpers that spawn `node` by name get the same line.
  const run = spawnSync(join(bin, 'node'), [join(root, 'node_modules/vitest/vitest.mjs'), ...vitestArgs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, QUIESCE_SOAK: SOAK },
  });
  results.push({ version, ok: run.status === 0, seconds: ((performance.now() - started) / 1000).toFixed(0) });
}
for (const r of results) console.log(`node-matrix: ${r.version} ${r.ok ? 'passed' : 'FAILED'} (${r.seconds} s)`);
if (results.some((r) => !r.ok)) process.exit(1);
