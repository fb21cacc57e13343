// The consumer test: packs every public package the way a release would, installs the tarballs with
// npm into fresh projects outside the workspace (no workspace links, no hoisted dev copies), then
// compiles each project with skipLibCheck off and runs it. A packaging regression — a dependency
// missing from a tarball, a type that names a package the user does not have, a second copy of core
// or inversify, an ESM/CJS break — fails here, not on a user's machine.
//
//   node scripts/consumer-test/run.mjs [fixture…]     (pnpm consumer-test)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installNode } from '../node-binaries.mjs';
import { countCopies, packPublicPackages, readJson, REPOSITORY, root } from '../pack.mjs';
import { brokenLinks } from './readme-links.mjs';
import { zodOnImport } from './zod-on-import.mjs';

const fixturesDir = join(root, 'scripts/consumer-test/fixtures');
const fixtures = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['full', 'pg-only', 'ioredis-only', 'pnpm-http'];
// Packages of which a project must hold exactly one copy: two cores break `instanceof` on our errors,
// two inversifys (or their cores) mean two metadata registries.
const SINGLETONS = ['@quiesce/core', 'inversify', '@inversifyjs/core', 'reflect-metadata', 'zod'];

const work = mkdtempSync(join(tmpdir(), 'quiesce-consumer-'));
const started = performance.now();
const tarballs = packPublicPackages(join(work, 'tarballs'));
cpSync(join(fixturesDir, 'tsconfig.base.json'), join(work, 'tsconfig.base.json'));
const core = readJson(join(root, 'packages/core/package.json'));

let failed = false;
for (const name of fixtures) {
  const dir = join(work, name);
  cpSync(join(fixturesDir, name), dir, { recursive: true });
  const manifest = readJson(join(dir, 'package.json'));
  for (const field of ['dependencies', 'devDependencies']) {
    for (const [dep, spec] of Object.entries(manifest[field] ?? {})) manifest[field][dep] = resolveSpec(dep, spec);
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const t0 = performance.now();
  try {
    if (manifest.consumerTest?.installer === 'pnpm') pnpmInstall(dir);
    else npm(dir, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
    const t1 = performance.now();
    for (const pkg of SINGLETONS) {
      const copies = countCopies(join(dir, 'node_modules'), pkg);
      if (copies > 1) throw new Error(`${copies} copies of ${pkg} installed`);
    }
    npm(dir, ['test', '--silent']);
    if (name === 'full') {
      runOnEngineFloors(dir);
      checkBin(dir);
      checkReadmeLinks(dir, Object.keys(manifest.dependencies).filter((d) => d.startsWith('@quiesce/')));
      checkLazyZod(dir, Object.keys(manifest.dependencies).filter((d) => d.startsWith('@quiesce/')).flatMap((pkg) => entryPoints(dir, pkg)));
    }
    console.log(`consumer-test ${name}: ok (install ${secs(t1 - t0)}, compile + run ${secs(performance.now() - t1)})`);
  } catch (error) {
    failed = true;
    console.error(`consumer-test ${name}: FAILED (${error.message.split('\n')[0]}); project kept in ${dir}`);
  }
}
console.log(`consumer-test: ${failed ? 'FAILED' : 'all ok'} in ${secs(performance.now() - started)}`);
if (failed) process.exit(1);
rmSync(work, { recursive: true, force: true });

/**
 * Fixture manifests say where a version comes from instead of pinning one, so the test follows
 * the repo: "tarball" (the packed package), "workspace" (the driver/@types version our own tests
 * use), "lowest"/"newest" (the ends of core's peer range).
 */
function resolveSpec(dep, spec) {
  if (spec === 'tarball') return `file:${tarballs.get(dep)}`;
  if (spec === 'workspace') return workspaceVersion(dep);
  const range = core.peerDependencies[dep];
  if (spec === 'newest') return range;
  if (spec === 'lowest') return range.replace(/^[\^~>=]+/, '').split(' ')[0];
  return spec;
}

function workspaceVersion(dep) {
  for (const dir of ['packages/adapters/pg', 'packages/adapters/redis', 'packages/adapters/amqp', 'packages/adapters/ws', 'packages/adapters/grpc', 'packages/adapters/mysql', 'packages/adapters/nats', 'packages/adapters/bullmq', '.']) {
    const pkg = readJson(join(root, dir, 'package.json'));
    const version = pkg.devDependencies?.[dep] ?? pkg.dependencies?.[dep];
    if (version) return version;
  }
  throw new Error(`no workspace version of ${dep}`);
}

/**
 * The compiled ESM and CommonJS apps again on the lowest Node of each line `engines` admits
 * (20.19.0, 22.12.0): the floors are where require(esm) first works unflagged, so a dependency
 * that needs more (or a change of ours that does) fails here.
 */
function runOnEngineFloors(dir) {
  for (const floor of core.engines.node.match(/\d+\.\d+\.\d+/g)) {
    const node = join(installNode(floor), 'node');
    for (const app of ['dist/main.js', 'cjs/dist/main.js']) {
      const run = spawnSync(node, [app], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      if (run.status !== 0) {
        process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? ''}`);
        throw new Error(`${app} failed on Node ${floor}`);
      }
      // An ESM app requires nothing itself: a warning there would be ours (zod is required lazily,
      // as an ES module only where Node does that without an ExperimentalWarning).
      if (app === 'dist/main.js' && /ExperimentalWarning/.test(run.stderr)) {
        process.stderr.write(run.stderr);
        throw new Error(`${app} printed an ExperimentalWarning on Node ${floor}`);
      }
    }
  }
}

/** Cold start: no @quiesce package loads zod until something is validated (the app above did validate). */
function checkLazyZod(dir, packages) {
  // The detector first proves it can see zod at all (else an empty list would prove nothing).
  if (zodOnImport(dir, ['zod']).length !== 1) throw new Error('the zod-on-import check did not see `import("zod")` itself');
  const offenders = zodOnImport(dir, packages);
  if (offenders.length > 0) throw new Error(`zod loaded on import by ${offenders.join(', ')}`);
}

/** Every module entry an installed package exports (`@quiesce/redis`, `@quiesce/redis/ioredis`…). */
function entryPoints(dir, pkg) {
  const { exports } = readJson(join(dir, 'node_modules', pkg, 'package.json'));
  return Object.keys(exports)
    .filter((key) => key !== './package.json' && !key.endsWith('.json'))
    .map((key) => (key === '.' ? pkg : `${pkg}${key.slice(1)}`));
}

/** Each installed package's README (and what else it ships in markdown) links only to what exists. */
function checkReadmeLinks(dir, packages) {
  // The checker must catch what it is for: a relative link out of the package, a missing repo file.
  const probe = mkdtempSync(join(tmpdir(), 'quiesce-links-'));
  writeFileSync(join(probe, 'README.md'), `[a](../../docs/OPTIONS.md) [b](${REPOSITORY}/blob/main/docs/NOPE.md) [c](README.md) [d](${REPOSITORY}#readme)`);
  const caught = brokenLinks(probe, 'probe');
  rmSync(probe, { recursive: true, force: true });
  if (caught.length !== 2) throw new Error(`the link checker is broken: ${JSON.stringify(caught)}`);
  const broken = packages.flatMap((pkg) => brokenLinks(join(dir, 'node_modules', pkg), pkg));
  if (!existsSync(join(dir, 'node_modules/@quiesce/core/OPTIONS.md'))) broken.push('@quiesce/core: OPTIONS.md (the options reference) is not in the tarball');
  if (broken.length > 0) throw new Error(`broken links in the tarballs' markdown:\n  ${broken.join('\n  ')}`);
}

/** The `quiesce` command as npm installed it: linked into .bin, executable, the packed version. */
function checkBin(dir) {
  const out = execFileSync(join(dir, 'node_modules/.bin/quiesce'), ['--version'], { cwd: dir, encoding: 'utf8' }).trim();
  if (out !== core.version) throw new Error(`quiesce --version printed ${JSON.stringify(out)}, expected ${core.version}`);
}

function pnpmInstall(cwd) {
  // A project of its own (not part of our workspace), with the pnpm version we pin.
  writeFileSync(join(cwd, 'pnpm-workspace.yaml'), 'packages: []\n');
  try {
    execFileSync('npx', ['-y', readJson(join(root, 'package.json')).packageManager, 'install', '--prefer-offline', '--reporter=append-only'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw new Error('pnpm install failed');
  }
}

function npm(cwd, args) {
  try {
    execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw new Error(`npm ${args[0]} failed`);
  }
}

function secs(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
