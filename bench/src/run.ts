import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { e2e } from './e2e.js';
import { engine } from './engine.js';
import { httpStop } from './http.js';
import { race } from './race.js';
import { resolution } from './resolution.js';
import { printTable } from './table.js';
import { checkTargets, type BenchResults } from './targets.js';
import { coldStart, coldStartTargets, type ColdStartRow } from './cold-start.js';
import { requestPath, requestPathTable } from './request-path.js';
import { requestPathWhy } from './request-path-why.js';

const SEEDS = [1, 2, 3, 4, 5];
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wants = (section: string): boolean => only.length === 0 || only.includes(section);

const results: Record<string, unknown> = { machine: { node: process.version, cpus: (await import('node:os')).cpus().length, date: new Date().toISOString() } };

if (wants('race')) {
  const rows = await race(SEEDS);
  results.race = rows;
  printTable('1. Teardown race: 200-node random DAGs, seeded stops of 1–50 ms', rows);
}
if (wants('engine')) {
  const rows = await engine([1_000, 10_000, 100_000]);
  results.engine = rows;
  printTable('2. Engine overhead: validate + start + shutdown, zero-cost hooks', rows);
}
if (wants('resolution')) {
  const row = await resolution(10_000);
  results.resolution = row;
  printTable('3. Resolution: 10k singleton classes, bind + resolve + start + shutdown', [row]);
}

if (wants('e2e')) {
  const row = await e2e();
  results.e2e = row;
  printTable('4. End-to-end: the example service on real servers, SIGTERM → exit (drain delay subtracted)', [row]);
}

if (wants('http')) {
  const rows = await httpStop([100, 1_000, 5_000]);
  results.http = rows;
  printTable('5. HTTP stop: N idle keep-alive sockets + 50 requests 200 ms from done, loopback (median of 5)', rows);
}

if (wants('cold-start')) {
  results.coldStart = await coldStart(15);
  printTable('6. Cold start: import in a fresh process from an npm-installed project (median of 15 interleaved rounds), install closure', results.coldStart as ColdStartRow[]);
}

if (wants('request-path')) {
  const rows = await requestPath();
  results.requestPath = rows;
  printTable('7. Request path: throughput through each adapter vs its bare baseline (rounds interleaved, variants in processes of their own; median)', requestPathTable(rows));
}

// Not part of a plain `pnpm bench`: only when asked for by name (it explains section 7, it judges nothing).
if (only.includes('request-path-why')) {
  const rows = await requestPathWhy();
  results.requestPathWhy = rows;
  printTable('7b. Request path, where the cost goes: one piece of quiesce switched off and on in 100 ms phases under load, same process (CPU per op)', rows);
}

const targets = [...checkTargets(results as BenchResults), ...coldStartTargets((results.coldStart as ColdStartRow[] | undefined) ?? [])];
results.targets = targets;
printTable('Targets (judged on this run)', targets.map((t) => ({ met: t.met ? 'yes' : 'NO', target: t.target, measured: t.measured })));

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${out}`);
