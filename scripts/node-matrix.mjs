// Runs the test suite under other Node lines than the one running this script. Signal handling,
// require(esm), http close semantics and timers differ between 20, 22 and 24: the tests are where
// that shows. Node binaries: see node-binaries.mjs.
//
//   node scripts/node-matrix.mjs [--node 22,24] [vitest args…]     (pnpm test:matrix)
//   e.g. pnpm test:matrix -- --node 24 --project core   (extra vitest args replace the per-line sets below)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installNode } from './node-binaries.mjs';
import { root } from './pack.mjs';

// `pnpm test:matrix -- …` forwards the `--`; vitest would read it as the end of its options.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
const at = args.indexOf('--node');
const lines = at >= 0 ? args.splice(at, 2)[1].split(',') : ['22', '24'];

// The matrix is about Node-version semantics, and CI has a time budget (well under 20 minutes on a
// 2-core machine, the whole suite once on Node 20 included): each line runs the files where the
// Node line can change the outcome, not the whole suite again (that was ~400 s a line).
// - core's Node-machinery files (every line): signals, process exit and its grace, lingering
//   handles by type, async-hook origins, stuck pipe writes, timers, require(esm) of zod.
// - Node's servers and streams (the newest line): http/1.1 and http2 close semantics and the
//   listener's last edge (http), upgrades (ws), http2 sessions (grpc), fs writes, pipes and worker
//   threads (flush). Node 22 sits between 20 and 24 on each of these; the whole suite on 22 is
//   `pnpm test:matrix -- --node 22 --project core --project integration`.
// Left to the Node 20 run: the database, queue and telemetry adapters (their drivers speak their
// protocol over a plain net.Socket), the harness's own tests, the example service and the rolling
// deploy (processes and a load balancer), the docs snippets (npm and tsc, not Node semantics).
// Extra vitest arguments replace the sets (e.g. `-- --node 24 packages/adapters/pg`).
const NODE_SEMANTICS = ['packages/adapters/http/', 'packages/adapters/ws/', 'packages/adapters/grpc/', 'packages/adapters/flush/'];
// Of core's files, those that run Node's own machinery: processes and signals, exit and its grace,
// handles and async hooks, pipes, require(esm), timers under load. The rest (graph checks, report
// rendering, option wording, the Kubernetes arithmetic, the public API's names) is plain
// JavaScript that no Node line changes: it runs on 20 only (CI's time budget, #26's "well under 20
// minutes" as the suite grew).
const CORE_NODE_SEMANTICS = [
  'exit', 'signals', 'report-files', 'lazy-zod', 'cli', 'kubernetes-cli', 'shutdown', 'promises-property',
  'truthful-report', 'pino-and-health', 'interrupted-start', 'reentrant-shutdown', 'fake-time',
].map((name) => `packages/core/test/${name}.test.ts`);
const SETS = {
  22: { core: CORE_NODE_SEMANTICS, integration: [] },
  24: { core: CORE_NODE_SEMANTICS, integration: NODE_SEMANTICS },
};
function vitestArgsFor(line) {
  if (args.length > 0) return [['run', ...args]];
  const set = SETS[line] ?? SETS[24];
  // A file filter applies to every project: each project runs by itself, with its own files.
  return Object.entries(set)
    .filter(([, files]) => files.length > 0)
    .map(([project, files]) => ['run', '--project', project, ...files]);
}
// The seeded property test keeps its invariants on every line; 300 random graphs instead of 1,500 here.
const SOAK = process.env.QUIESCE_SOAK ?? '300';

// A failing run is followed by the next one's output, so CI's tail would not show what failed:
// each run also writes vitest's JSON report, and the failures are printed again at the very end.
const reports = mkdtempSync(join(tmpdir(), 'quiesce-matrix-'));
function failuresIn(file, version) {
  let json;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [`${version}: no JSON report (${file}): the run did not finish`];
  }
  const failed = [];
  for (const suite of json.testResults ?? []) {
    const path = suite.name.replace(`${root}/`, '');
    const tests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    if (tests.length === 0 && suite.status === 'failed') failed.push(`${version} ${path}: ${(suite.message ?? '').split('\n')[0]}`);
    for (const t of tests) failed.push(`${version} ${path} > ${t.fullName}\n    ${(t.failureMessages?.[0] ?? '').split('\n').slice(0, 3).join('\n    ')}`);
  }
  return failed;
}

const results = [];
const failures = [];
for (const line of lines) {
  const bin = installNode(line);
  const version = execFileSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
  const runs = vitestArgsFor(line);
  const started = performance.now();
  let ok = true;
  for (const [index, vitestArgs] of runs.entries()) {
    const jsonFile = join(reports, `${line}-${index}.json`);
    console.log(`\nnode-matrix: ${version} — vitest ${vitestArgs.join(' ')} (QUIESCE_SOAK=${SOAK})`);
    // PATH first too: tests and the servers' helpers that spawn `node` by name get the same line.
    const run = spawnSync(join(bin, 'node'), [join(root, 'node_modules/vitest/vitest.mjs'), ...vitestArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, QUIESCE_SOAK: SOAK },
    });
    if (run.status !== 0) failures.push(...failuresIn(jsonFile, version));
    ok &&= run.status === 0;
  }
  results.push({ version, ok, seconds: ((performance.now() - started) / 1000).toFixed(0) });
}
rmSync(reports, { recursive: true, force: true });
if (failures.length > 0) console.log(`\nnode-matrix: what failed\n${failures.map((f) => `  ${f}`).join('\n')}`);
for (const r of results) console.log(`node-matrix: ${r.version} ${r.ok ? 'passed' : 'FAILED'} (${r.seconds} s)`);
if (results.some((r) => !r.ok)) process.exit(1);
