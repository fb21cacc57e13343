// Packing the public packages the way a release does (pnpm pack rewrites workspace: ranges into
// real versions), shared by the consumer test, the release dry run and the cold-start bench.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Directories of the packages that are published (not private), core first. */
export function publicPackageDirs() {
  const adapters = readdirSync(join(root, 'packages/adapters')).map((a) => join(root, 'packages/adapters', a));
  return [join(root, 'packages/core'), ...adapters].filter((dir) => existsSync(join(dir, 'package.json')) && !readJson(join(dir, 'package.json')).private);
}

/** The pnpm that runs this script (pnpm run sets npm_execpath), else the pinned one through npx. */
function pnpm(args, cwd) {
  const execpath = process.env.npm_execpath ?? '';
  if (/pnpm/.test(execpath)) return execFileSync(process.execPath, [execpath, ...args], { cwd, encoding: 'utf8' });
  const pinned = readJson(join(root, 'package.json')).packageManager;
  return execFileSync('npx', ['-y', pinned, ...args], { cwd, encoding: 'utf8' });
}

export const REPOSITORY = 'https://github.com/quiesce/quiesce';

// Files of the repository a package carries in its tarball, so a user reads them for the version
// installed, in node_modules (#30): added to the packed tarball, their relative links made absolute.
const SHIPPED_DOCS = { '@quiesce/core': [['docs/OPTIONS.md', 'OPTIONS.md']] };

/** A markdown file's relative links, made absolute to the repository (they point outside the tarball). */
export function absoluteLinks(markdown, fromRepoPath) {
  const base = dirname(fromRepoPath);
  return markdown.replace(/\]\((?!https?:|mailto:|#)([^)\s]+)\)/g, (_, target) => {
    const [path, anchor] = target.split('#');
    const resolved = join(base, path).replace(/\/$/, '');
    const kind = existsSync(join(root, resolved)) && !resolved.endsWith('.md') && !/\.\w+$/.test(resolved) ? 'tree' : 'blob';
    return `](${REPOSITORY}/${kind}/main/${resolved}${anchor ? `#${anchor}` : ''})`;
  });
}

/**
 * What pnpm pack cannot do, done on the tarball (never on the package folder, which other tools
 * read while we pack): the manifest without devDependencies (a user's tools read them as ours)
 * and scripts (nothing to run from node_modules), and the repository docs the package ships.
 */
function finishTarball(tarball, name) {
  const work = mkdtempSync(join(tmpdir(), 'quiesce-pack-'));
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    const manifestPath = join(work, 'package/package.json');
    const { devDependencies: _dev, scripts: _scripts, ...published } = readJson(manifestPath);
    writeFileSync(manifestPath, `${JSON.stringify(published, null, 2)}\n`);
    for (const [from, to] of SHIPPED_DOCS[name] ?? []) writeFileSync(join(work, 'package', to), absoluteLinks(readFileSync(join(root, from), 'utf8'), from));
    execFileSync('tar', ['-czf', tarball, '-C', work, 'package']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Packs every public package into `destination`; returns package name → absolute tarball path. */
export function packPublicPackages(destination) {
  mkdirSync(destination, { recursive: true });
  const tarballs = new Map();
  for (const dir of publicPackageDirs()) {
    const { name, version } = readJson(join(dir, 'package.json'));
    pnpm(['pack', '--pack-destination', destination], dir);
    const tarball = join(destination, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
    finishTarball(tarball, name);
    tarballs.set(name, tarball);
  }
  for (const [name, path] of tarballs) if (!existsSync(path)) throw new Error(`pnpm pack did not write ${path} for ${name}`);
  return tarballs;
}

/** How many installed copies of `name` a node_modules tree holds (nested ones included). */
export function countCopies(nodeModules, name) {
  // pnpm keeps one folder per distinct copy (version × peer set) in .pnpm: "@scope+name@…".
  const store = join(nodeModules, '.pnpm');
  if (existsSync(store)) return readdirSync(store).filter((entry) => entry.startsWith(`${name.replace('/', '+')}@`)).length;
  let copies = 0;
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    if (existsSync(join(dir, name, 'package.json'))) copies++;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const scoped = entry.startsWith('@') ? readdirSync(join(dir, entry)).map((e) => join(dir, entry, e)) : [join(dir, entry)];
      for (const pkg of scoped) walk(join(pkg, 'node_modules'));
    }
  };
  walk(nodeModules);
  return copies;
}
