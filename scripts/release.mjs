// The release: packs every public package and checks the tarballs before anything is published.
//
//   pnpm release --dry-run   build, pack into .tmp/release, check, print what would be published
//   pnpm release             the same, then `npm publish` of each checked tarball
//
// Checks, per tarball: LICENSE (pnpm pack copies the workspace root's into a package that has
// none; npm pack would not — one more reason to release with pnpm), README.md and every `exports`/`main`/`types`/`bin` target present; no
// `workspace:` range left (pnpm pack rewrites them; a plain `npm pack` would not); no test or build
// leftovers; engines and peer ranges equal to core's; a CHANGELOG.md heading for the version; then
// publint and arethetypeswrong (ESM-only profile: CommonJS users reach us through require(esm)).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { packPublicPackages, readJson, root } from './pack.mjs';

const dryRun = process.argv.includes('--dry-run');
const out = join(root, '.tmp/release');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const tarballs = packPublicPackages(out);
const core = readJson(join(root, 'packages/core/package.json'));
const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
const problems = [];

for (const [name, tarball] of tarballs) {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  const problem = (what) => problems.push(`${name}: ${what}`);

  for (const required of ['LICENSE', 'README.md', 'package.json']) if (!files.includes(required)) problem(`${required} missing from the tarball`);
  for (const target of exportTargets(manifest)) if (!files.includes(target.replace(/^\.\//, ''))) problem(`${target} (exports/main/types/bin) missing from the tarball`);
  const leftovers = files.filter((f) => /(^|\/)test\/|\.test\.|tsbuildinfo$/.test(f));
  if (leftovers.length > 0) problem(`test or build leftovers: ${leftovers.slice(0, 3).join(', ')}`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) if (String(range).startsWith('workspace:')) problem(`${field}.${dep} is still ${range}`);
  }
  for (const field of ['devDependencies', 'scripts']) if (manifest[field] !== undefined) problem(`the published package.json still has ${field}`);
  if (name === core.name && !files.includes('OPTIONS.md')) problem('OPTIONS.md (the options reference its README names) missing from the tarball');
  if (manifest.engines?.node !== core.engines.node) problem(`engines.node ${manifest.engines?.node} differs from core's ${core.engines.node}`);
  if (name !== core.name && manifest.peerDependencies?.[core.name] === undefined) problem(`does not peer-depend on ${core.name}`);
  if (manifest.dependencies?.[core.name] !== undefined) problem(`depends on ${core.name} (must be a peer: one core per app)`);
  if (!new RegExp(`^##+ .*\\b${manifest.version.replace(/\./g, '\\.')}\\b`, 'm').test(changelog)) problem(`CHANGELOG.md has no heading for ${manifest.version}`);

  lint(name, tarball, problem);
  console.log(`${basename(tarball).padEnd(28)} ${String(files.length).padStart(3)} files ${(statSync(tarball).size / 1024).toFixed(1).padStart(7)} KiB`);
}

if (problems.length > 0) {
  console.error(`\nrelease: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`\nrelease: ${tarballs.size} tarballs checked in ${out}`);
if (dryRun) {
  console.log('release: --dry-run, nothing published');
} else {
  // The very tarballs just checked, not a fresh pack: what was checked is what ships.
  for (const tarball of tarballs.values()) execFileSync('npm', ['publish', tarball, '--access', 'public'], { stdio: 'inherit' });
}

/** Every file a resolver may be sent to by the manifest. */
function exportTargets(manifest) {
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  const targets = [manifest.main, manifest.types, ...bins].filter(Boolean);
  const walk = (node) => {
    if (typeof node === 'string') targets.push(node);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(manifest.exports);
  return targets;
}

function lint(name, tarball, problem) {
  const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
  const run = (args) => {
    try {
      execFileSync(process.execPath, args, { cwd: dirname(tarball), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      problem(`${basename(args[0])}:\n${error.stdout}${error.stderr}`);
    }
  };
  run([bin('publint', 'src/cli.js'), '--strict', tarball]);
  run([bin('@arethetypeswrong/cli', 'dist/index.js'), '--profile', 'esm-only', '--format', 'ascii', tarball]);
}
