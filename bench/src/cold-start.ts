import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TargetCheck } from './targets.js';
import { median } from './timing.js';

// A service pays the import on every pod start. Measured the way users get us: the packed
// tarballs npm-installed into a project of their own (no workspace links), each import in a fresh
// process, scenarios interleaved round by round so that machine noise hits them all alike.

export interface ColdStartRow {
  readonly scenario: string;
  readonly imports: string;
  readonly medianMs: number;
  readonly baseline: string;
  readonly ratio: number | string;
  /** Install closure on disk (what `du` shows: small files round up to blocks) and in bytes. */
  readonly diskMb: number | string;
  readonly bytesMb: number | string;
}

interface Scenario {
  readonly name: string;
  readonly specs: readonly string[];
  /** The scenario this one is judged against, and the ratio it may reach. */
  readonly vs?: string;
  readonly limit?: number;
  /** Packages whose install closure is this scenario's footprint. */
  readonly closure: readonly string[];
  /** Imported before the clock starts: isolates what the timed imports add on top. */
  readonly preload?: readonly string[];
  /** Code timed after the imports, with `m` their namespaces in order: what a service does next. */
  readonly run?: string;
  /**
   * This scenario times only what it adds on top of `vs` (its preload is `vs`'s imports), and is
   * judged as (vs + this) / vs: a few ms measured directly instead of the difference of two
   * ~250 ms medians, which machine noise moves by ±5 %.
   */
  readonly onTop?: boolean;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INVERSIFY = ['reflect-metadata', 'inversify'];
// An adapter is judged against what its user imports anyway: core and the driver.
const adapter = (name: string, driver: string, pkg: string): Scenario[] => [
  { name: `core + ${name}`, specs: ['@quiesce/core', driver], closure: [...INVERSIFY, '@quiesce/core', ...(driver.startsWith('node:') ? [] : [driver])] },
  { name: `${pkg} on top of core + ${name}`, specs: [pkg], preload: ['@quiesce/core', driver], onTop: true, vs: `core + ${name}`, limit: 1.1, closure: [...INVERSIFY, '@quiesce/core', pkg, ...(driver.startsWith('node:') ? [] : [driver])] },
];
// What a service does right after the import: build its container and declare a resource. quiesce
// loads zod here (the first validation), so this pair shows what a pod start pays in all.
const FIRST_CONTAINER = "const app = new m[0].LifecycleContainer({ shutdownTimeoutMs: 10000 }); app.resource('db', { create: () => ({}), stop: () => {}, stopTimeoutMs: 2000 });";
const SCENARIOS: readonly Scenario[] = [
  { name: 'inversify + reflect-metadata', specs: INVERSIFY, closure: INVERSIFY },
  { name: '@quiesce/core', specs: ['@quiesce/core'], vs: 'inversify + reflect-metadata', limit: 1.15, closure: [...INVERSIFY, '@quiesce/core'] },
  // No target: the validation has to load zod somewhere; these rows say what that costs in all.
  { name: 'inversify: import + new Container()', specs: ['reflect-metadata', 'inversify'], run: "new m[1].Container().bind('db').toConstantValue({});", closure: INVERSIFY },
  { name: 'core: import + first container and resource', specs: ['@quiesce/core'], run: FIRST_CONTAINER, vs: 'inversify: import + new Container()', closure: [...INVERSIFY, '@quiesce/core'] },
  // An app that validates with zod itself: core takes the same zod (one load, not two).
  { name: 'app with zod: inversify + zod + new Container()', specs: [...INVERSIFY, 'zod'], run: "new m[1].Container().bind('db').toConstantValue({});", closure: [...INVERSIFY, 'zod'] },
  { name: 'app with zod: core + zod + first container', specs: ['@quiesce/core', 'zod'], run: FIRST_CONTAINER, vs: 'app with zod: inversify + zod + new Container()', closure: [...INVERSIFY, '@quiesce/core'] },
  // Where core's share goes: zod as core loads it (on first use), and core's own bundle.
  { name: 'zod, as core loads it (after inversify, core)', specs: ['@quiesce/core'], preload: [...INVERSIFY, '@quiesce/core'], run: 'm[0].zod();', closure: ['zod'] },
  { name: 'core itself (after inversify)', specs: ['@quiesce/core'], preload: INVERSIFY, closure: [] },
  ...adapter('node:http', 'node:http', '@quiesce/http'),
  ...adapter('pg', 'pg', '@quiesce/pg'),
  ...adapter('ioredis', 'ioredis', '@quiesce/redis'),
  ...adapter('amqplib', 'amqplib', '@quiesce/amqp'),
  ...adapter('mysql2', 'mysql2', '@quiesce/mysql'),
  ...adapter('ws', 'ws', '@quiesce/ws'),
];

export async function coldStart(rounds: number): Promise<ColdStartRow[]> {
  const project = await installProject();
  const samples = new Map<string, number[]>(SCENARIOS.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const s of SCENARIOS) samples.get(s.name)!.push(importMs(project, s));
  }
  const medians = new Map([...samples].map(([name, ms]) => [name, median(ms)]));
  const ratio = (s: Scenario): number => {
    const own = medians.get(s.name)!;
    const base = medians.get(s.vs!)!;
    return Math.round(((s.onTop ? base + own : own) / base) * 100) / 100;
  };
  return SCENARIOS.map((s) => ({
    scenario: s.name,
    imports: [...s.specs, ...(s.run ? ['(code)'] : [])].join(' + ') || '(code)',
    medianMs: round1(medians.get(s.name)!),
    baseline: s.vs ? `${s.onTop ? '(this + vs) / ' : ''}${s.vs}` : '-',
    ratio: s.vs ? ratio(s) : '-',
    ...footprint(project, s.closure),
  }));
}

export function coldStartTargets(rows: readonly ColdStartRow[]): TargetCheck[] {
  // Only judged when the section ran (`node bench/dist/run.js engine` skips it).
  if (rows.length === 0) return [];
  return SCENARIOS.filter((s) => s.vs && s.limit).map((s) => {
    const row = rows.find((r) => r.scenario === s.name)!;
    return { target: `cold start: ${s.name} ≤ ${s.limit} × ${s.vs}`, measured: `${row.ratio}× (${row.medianMs} ms)`, met: Number(row.ratio) <= s.limit! };
  });
}

/** Time from before the first import to after the last one resolved (and `run` ran), in a fresh process. */
function importMs(project: string, { specs, preload = [], run = '' }: Scenario): number {
  const script = `for (const s of ${JSON.stringify(preload)}) await import(s); const t = performance.now(); const m = []; for (const s of ${JSON.stringify(specs)}) m.push(await import(s)); ${run} process.stdout.write(String(performance.now() - t));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' }));
}

async function installProject(): Promise<string> {
  const project = join(root, 'bench', '.tmp', 'cold-start');
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  const pack = (await import(pathToFileURL(join(root, 'scripts', 'pack.mjs')).href)) as { packPublicPackages(dest: string): Map<string, string> };
  const tarballs = pack.packPublicPackages(join(project, 'tarballs'));
  const versionOf = (dir: string, dep: string): string => {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
    return pkg.devDependencies![dep]!;
  };
  const dependencies: Record<string, string> = Object.fromEntries([...tarballs].map(([name, path]) => [name, `file:${path}`]));
  Object.assign(dependencies, {
    inversify: versionOf('packages/core', 'inversify'),
    'reflect-metadata': versionOf('packages/core', 'reflect-metadata'),
    pg: versionOf('packages/adapters/pg', 'pg'),
    ioredis: versionOf('packages/adapters/redis', 'ioredis'),
    redis: versionOf('packages/adapters/redis', 'redis'),
    amqplib: versionOf('packages/adapters/amqp', 'amqplib'),
    mysql2: versionOf('packages/adapters/mysql', 'mysql2'),
    ws: versionOf('packages/adapters/ws', 'ws'),
  });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'cold-start', private: true, type: 'module', dependencies }, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
  return project;
}

function footprint(project: string, closure: readonly string[]): Pick<ColdStartRow, 'diskMb' | 'bytesMb'> {
  if (closure.length === 0) return { diskMb: '-', bytesMb: '-' };
  const { disk, bytes } = closureSize(project, closure);
  return { diskMb: round1(disk / 2 ** 20), bytesMb: round1(bytes / 2 ** 20) };
}

/** Size of the packages `names` and everything they depend on (required peers included), once each. */
function closureSize(project: string, names: readonly string[]): { disk: number; bytes: number } {
  const seen = new Set<string>();
  let disk = 0;
  let bytes = 0;
  const visit = (name: string): void => {
    const dir = join(project, 'node_modules', name);
    if (seen.has(dir) || !existsSync(dir)) return;
    seen.add(dir);
    const size = dirSize(dir);
    disk += size.disk;
    bytes += size.bytes;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: object; peerDependencies?: object; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
    const peers = Object.keys(pkg.peerDependencies ?? {}).filter((p) => !pkg.peerDependenciesMeta?.[p]?.optional);
    for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...peers]) visit(dep);
  };
  names.forEach(visit);
  return { disk, bytes };
}

function dirSize(dir: string): { disk: number; bytes: number } {
  const size = { disk: 0, bytes: 0 };
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isDirectory()) {
      if (entry === 'node_modules') continue; // nested copies are visited as dependencies
      const inner = dirSize(path);
      size.disk += inner.disk;
      size.bytes += inner.bytes;
    } else {
      size.disk += stat.blocks * 512;
      size.bytes += stat.size;
    }
  }
  return size;
}


function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
