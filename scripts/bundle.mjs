// Every public package ships one bundled ES module per entry (dist/bundle/), built from tsc's output:
// a service pays for each module file it loads on every pod start (resolution, read, parse, link:
// ≈ 2–3 ms a file here), and core alone was 90 files. Declarations stay tsc's, per module.
// Dependencies, peers and node: builtins stay imports; only the package's own files are joined.
//
//   node scripts/bundle.mjs [packages/core …]   (run by `pnpm build` after tsc)
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['packages/core', ...readdirSync(join(root, 'packages/adapters')).map((a) => `packages/adapters/${a}`)];

/**
 * Core has three entries (index, kit, cli): left to itself rolldown splits what they share by
 * which entries use it, three chunks, and each file costs a cold start ≈ 2–3 ms. What only the
 * cli or only the kit uses stays in its entry; everything else is one `shared.js`.
 */
const ONE_SHARED_CHUNK = {
  'packages/core': (dist) => (id) => (id.startsWith(dist) && !/\/dist\/(cli|kit)\//.test(id) && !/\/dist\/index\.js$/.test(id) ? 'shared' : undefined),
};

/** Files that must stay files of their own next to the bundle's sources (see load-zod.cjs). */
const KEEP_SEPARATE = /\/load-zod\.cjs$/;

export async function bundlePackage(dir) {
  const dist = join(root, dir, 'dist');
  pruneStale(join(root, dir, 'src'), dist);
  // Plain JavaScript sources tsc does not emit.
  for (const file of ['validation/load-zod.cjs']) {
    const from = join(root, dir, 'src', file);
    if (existsSync(from)) copyFileSync(from, join(dist, file));
  }
  const input = entries(join(root, dir), dist);
  rmSync(join(dist, 'bundle'), { recursive: true, force: true });
  const build = await rolldown({
    input,
    platform: 'node',
    // Bare specifiers (dependencies, peers, node builtins) are the user's to resolve.
    external: (id) => !id.startsWith('.') && !isAbsolute(id),
    plugins: [keepSeparate(join(dist, 'bundle')), tscSourceMaps()],
    logLevel: 'warn',
  });
  // Same depth as dist/<folder>/x.js: `new URL('../../package.json', import.meta.url)` still finds the manifest.
  await build.write({ dir: join(dist, 'bundle'), format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'shared.js', manualChunks: ONE_SHARED_CHUNK[dir]?.(dist), sourcemap: true });
  await build.close();
}

/**
 * tsc never deletes the output of a source that was removed or renamed; `files` ships
 * `dist/**\/*.d.ts`, so a stale declaration would reach users. Drop what has no source any more.
 */
function pruneStale(src, dist, rel = '') {
  for (const entry of readdirSync(join(dist, rel), { withFileTypes: true })) {
    const path = join(rel, entry.name);
    if (entry.isDirectory()) {
      if (path !== 'bundle') pruneStale(src, dist, path);
      continue;
    }
    const stem = path.replace(/(\.d)?\.(js|ts|cjs)(\.map)?$/, '');
    if (stem === path) continue;
    if (!['.ts', '.cjs'].some((ext) => existsSync(join(src, stem + ext)))) rmSync(join(dist, path));
  }
}

/**
 * The bundle's entries, read off package.json: every `./dist/bundle/<name>.js` that `exports`,
 * `main` or `bin` names is built from tsc's `dist/<name>.js` (or `dist/<name>/main.js`: the cli).
 */
function entries(pkgDir, dist) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const targets = [pkg.main, ...Object.values(pkg.bin ?? {}), ...Object.values(pkg.exports ?? {}).map((e) => (typeof e === 'string' ? e : e.default))];
  const input = {};
  for (const target of targets) {
    const name = /^\.\/dist\/bundle\/(.+)\.js$/.exec(target ?? '')?.[1];
    if (!name) continue;
    const source = [join(dist, `${name}.js`), join(dist, name, 'main.js')].find((f) => existsSync(f));
    if (!source) throw new Error(`${pkg.name}: no tsc output for ${target}`);
    input[name] = source;
  }
  return input;
}

/** A KEEP_SEPARATE file stays an import, its path rewritten from the bundle's folder. */
function keepSeparate(outDir) {
  return {
    name: 'keep-separate',
    resolveId(source, importer) {
      if (!KEEP_SEPARATE.test(source) || !importer) return null;
      return { id: relative(outDir, resolve(dirname(importer), source)), external: true };
    },
  };
}

/** tsc's maps are read with its output, so the bundle's map leads back to src/*.ts (shipped in the tarball). */
function tscSourceMaps() {
  return {
    name: 'tsc-source-maps',
    load(id) {
      if (!id.endsWith('.js') || !existsSync(`${id}.map`)) return null;
      return { code: readFileSync(id, 'utf8'), map: readFileSync(`${id}.map`, 'utf8') };
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = process.argv.slice(2);
  for (const dir of only.length > 0 ? only : packages) await bundlePackage(dir);
}
