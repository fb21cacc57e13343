import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lazySchema, parseOptions, zod } from '../src/kit/main.js';

// Cold start: importing core must not load zod (≈100 ms on a pod start); the first validation does,
// and still refuses bad options synchronously. Checked on the shipped bundle in a fresh process.
const bundle = fileURLToPath(new URL('../dist/bundle/index.js', import.meta.url));

function inFreshProcess(body: string): Record<string, unknown> {
  const script = `
    const { createRequire } = await import('node:module');
    const zodFiles = (ext = '') => Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('/zod/') && f.endsWith(ext)).length;
    const core = await import(${JSON.stringify(bundle)});
    const out = { afterImport: zodFiles() };
    ${body}
    process.stdout.write(JSON.stringify(out));`;
  // From core's folder, where `zod` resolves (as it does for an app that has core installed).
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' })) as Record<string, unknown>;
}

describe('zod is loaded on the first validation, not on import', () => {
  it('import: no zod; new LifecycleContainer(): zod loaded, and bad options still throw at once, naming the field', () => {
    const out = inFreshProcess(`
      new core.LifecycleContainer({ shutdownTimeoutMs: 1000 });
      out.afterConstruct = zodFiles();
      try { new core.LifecycleContainer({ shutdownTimeoutMs: -5 }); } catch (e) { out.code = e.code; out.fields = e.issues.map((i) => i.field); }`);
    expect(out.afterImport).toBe(0);
    expect(out.afterConstruct).toBeGreaterThan(0);
    expect(out).toMatchObject({ code: 'QUIESCE_INVALID_OPTIONS', fields: ['shutdownTimeoutMs'] });
  });

  it('a @resource() decorator is validated when it is applied, which is when zod loads', () => {
    const out = inFreshProcess(`
      out.beforeDeclare = zodFiles();
      try { core.resource({ stopTimeoutMs: 'soon' })(class Api {}); } catch (e) { out.code = e.code; out.fields = e.issues.map((i) => i.field); }
      out.afterDeclare = zodFiles();`);
    expect(out.beforeDeclare).toBe(0);
    expect(out).toMatchObject({ code: 'QUIESCE_INVALID_OPTIONS', fields: ['stopTimeoutMs'] });
    expect(out.afterDeclare).toBeGreaterThan(0);
  });
});

describe('one zod per process', () => {
  it("an app's own import('zod') and quiesce's validation share one instance (Node requires ES modules quietly here)", () => {
    const kitBundle = fileURLToPath(new URL('../dist/bundle/kit.js', import.meta.url));
    const out = inFreshProcess(`
      const own = await import('zod');
      new core.LifecycleContainer({ shutdownTimeoutMs: 1000 });
      const kit = await import(${JSON.stringify(kitBundle)});
      out.shared = kit.zod() === own.z;
      out.commonJsBuildLoaded = zodFiles('.cjs');`);
    expect(out).toMatchObject({ shared: true, commonJsBuildLoaded: 0 });
  });
});

describe('lazySchema', () => {
  it('builds once, on the first call, from the one zod instance', () => {
    let builds = 0;
    const schema = lazySchema((z) => {
      builds++;
      expect(z).toBe(zod());
      return z.object({ port: z.number().int() }).strict();
    });
    expect(builds).toBe(0);
    expect(parseOptions(schema, { port: 80 }, 'test')).toEqual({ port: 80 });
    expect(() => parseOptions(schema, { port: 80, prot: 1 }, 'test')).toThrow(/prot/);
    expect(schema()).toBe(schema());
    expect(builds).toBe(1);
  });
});
