import { createRequire } from 'node:module';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import { ContainerShutDownError, DecoratorSetupError, LifecycleContainer, NotResolvedYetError } from '../src/index.js';

class Db {}
class Repo {}

describe('app.get() before start() reached an async factory', () => {
  it('is a NotResolvedYetError naming what was asked for, the async resource on the way, and what to do', async () => {
    const app = new LifecycleContainer();
    app.resource(Db, { create: async () => ({ query: () => 1 }) });
    app.resource(Repo, { dependsOn: [Db], create: ({ get }) => ({ db: get(Db) }) });
    const error = (() => {
      try {
        app.get(Repo);
      } catch (e) {
        return e as NotResolvedYetError;
      }
    })();
    expect(error).toBeInstanceOf(NotResolvedYetError);
    expect(error).toMatchObject({ code: 'QUIESCE_NOT_RESOLVED_YET', token: 'Repo', asyncResource: 'Db' });
    expect(error!.message).toBe(
      'app.get(Repo) (it needs "Db"): "Db" is created asynchronously, so its value exists only once start() has resolved it. Call app.get() after `await app.start()`, which resolves every resource in dependency order',
    );
    expect(() => app.get(Db)).toThrow(/^app\.get\(Db\): "Db" is created asynchronously/);
    // After start the same call works, and the shutdown still stops what start created.
    await app.start();
    expect((app.get(Repo) as unknown as { db: unknown }).db).toBe(app.get(Db));
    expect((await app.shutdown()).ok).toBe(true);
  });

  it('other resolution errors pass through unchanged', () => {
    const app = new LifecycleContainer();
    app.resource(Db, { create: () => ({}) });
    expect(() => app.get('nothing-bound')).toThrow(expect.not.objectContaining({ code: 'QUIESCE_NOT_RESOLVED_YET' }));
  });
});

describe('start() after shutdown()', () => {
  it('is refused with ContainerShutDownError, not a quiet "started" that hides closed resources', async () => {
    let starts = 0;
    const app = new LifecycleContainer().resource('db', { value: {}, start: () => void starts++ });
    await app.start();
    await app.shutdown();
    const again = app.start();
    await expect(again).rejects.toBeInstanceOf(ContainerShutDownError);
    await expect(again).rejects.toMatchObject({ code: 'QUIESCE_CONTAINER_SHUT_DOWN', state: 'stopped' });
    await expect(again).rejects.toThrow(/Create a new LifecycleContainer to start again$/);
    expect(starts).toBe(1);
  });

  it('a start() concurrent with the first one still joins it', async () => {
    const app = new LifecycleContainer().resource('db', { value: {} });
    const [a, b] = [app.start(), app.start()];
    expect(a).toBe(b);
    await a;
    expect(app.state).toBe('running');
    await app.shutdown();
  });
});

describe('@resource() compiled without experimentalDecorators (TC39 decorators)', () => {
  // TypeScript's own output for a project that forgot the flag: it compiles (a class decorator is
  // valid TC39 syntax) and, before this error, failed later inside inversify naming neither cause nor fix.
  const source = `import { resource } from '@quiesce/core';\n@resource({ stopTimeoutMs: 100 })\nexport class OrdersDb {}\n`;

  function run(compilerOptions: ts.CompilerOptions): () => unknown {
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, ...compilerOptions } });
    const module = { exports: {} as Record<string, unknown> };
    const require = (id: string) => (id === '@quiesce/core' ? core : createRequire(import.meta.url)(id));
    return () => new Function('require', 'module', 'exports', outputText)(require, module, module.exports);
  }

  it('throws DecoratorSetupError naming the class and both tsconfig flags', () => {
    const evaluate = run({ experimentalDecorators: false });
    expect(evaluate).toThrow(DecoratorSetupError);
    expect(evaluate).toThrow('@resource() on class OrdersDb ran as a standard (TC39) decorator, but quiesce and inversify use TypeScript\'s legacy decorators: set "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json');
  });

  it('with the flags the same source defines the resource', () => {
    expect(run({ experimentalDecorators: true, emitDecoratorMetadata: true })).not.toThrow();
  });
});
