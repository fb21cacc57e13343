import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The core's layout as a test: imports (type-only ones included) flow one way between the
 * folders that name the stages, no file imports itself back through others, and no file grows past
 * what a reader takes in at once.
 */
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
/**
 * Lower layers never import higher ones. The root holds what every layer shares (errors, tokens);
 * `validation` the lazily loaded zod every layer's options are checked with.
 * `cli` is the program on top: it may import anything, nothing imports it.
 */
const LAYERS = ['.', 'validation', 'graph', 'engine', 'report', 'process', 'container', 'kit', 'cli'];
const MAX_LINES = 250;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const sources = files(src).filter((f) => !f.endsWith('index.ts') || dirname(f) !== src);
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s(?:[^;]*?from\s+)?'(\.{1,2}\/[^']+)\.js'/g)].map((m) => resolve(dirname(file), `${m[1]}.ts`));
}
const imports = new Map(
  sources.map((file) => [file, relativeImports(file).filter((t) => !t.endsWith('/index.ts') || dirname(t) !== src)] as const),
);
const layerOf = (file: string) => {
  const folder = dirname(relative(src, file)).split('/')[0]!;
  return LAYERS.indexOf(folder);
};
const name = (file: string) => relative(src, file);

describe('core layout', () => {
  it('every source file lives in a known stage folder', () => {
    expect(sources.filter((f) => layerOf(f) < 0).map(name)).toEqual([]);
  });

  it('imports flow one way between folders: graph → engine → report → process → container → cli', () => {
    const upward: string[] = [];
    for (const [file, targets] of imports) {
      for (const t of targets) if (layerOf(t) > layerOf(file)) upward.push(`${name(file)} → ${name(t)}`);
    }
    expect(upward).toEqual([]);
  });

  it('nothing imports the cli, the public index included: it is a program, not API', () => {
    const index = join(src, 'index.ts');
    const intoCli = [...imports, [index, relativeImports(index)] as const].flatMap(([file, targets]) =>
      targets.filter((t) => layerOf(t) === LAYERS.indexOf('cli') && layerOf(file) !== LAYERS.indexOf('cli')).map((t) => `${name(file)} → ${name(t)}`),
    );
    expect(intoCli).toEqual([]);
  });

  it('no import cycles between files, type-only imports included', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const t of imports.get(file) ?? []) {
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].map(name).join(' → '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of imports.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it(`no source file over ${MAX_LINES} lines`, () => {
    const long = sources.map((f) => [name(f), readFileSync(f, 'utf8').trimEnd().split('\n').length] as const).filter(([, n]) => n > MAX_LINES);
    expect(long).toEqual([]);
  });
});
