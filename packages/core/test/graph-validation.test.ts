import { describe, expect, it } from 'vitest';
import {
  CycleError,
  DuplicateBindingError,
  InvalidOptionsError,
  LifecycleContainer,
  MissingDependencyError,
  resource,
} from '../src/index.js';
import { inject, injectable } from 'inversify';
import { buildGraph } from '../src/kit/main.js';
import { Timeline, fake } from './support/timeline.js';

describe('the graph is validated before anything starts', () => {
  it('names the cycle path in a CycleError and starts nothing', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer()
      .resource('A', { ...fake(t, 'A'), dependsOn: ['B'] })
      .resource('B', { ...fake(t, 'B'), dependsOn: ['C'] })
      .resource('C', { ...fake(t, 'C'), dependsOn: ['A'] })
      .resource('D', fake(t, 'D'));
    const error = await app.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CycleError);
    expect((error as CycleError).message).toBe('Dependency cycle: A → B → C → A');
    expect((error as CycleError).path).toEqual(['A', 'B', 'C', 'A']);
    expect(t.events).toEqual([]);
  });

  it('reports a self-dependency as a one-node cycle', () => {
    expect(() => buildGraph(['solo'], [[0]])).toThrowError('Dependency cycle: solo → solo');
  });

  it('names the missing token and who needs it', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer()
      .resource('api', { ...fake(t, 'api'), dependsOn: ['db'] })
      .resource('cache', fake(t, 'cache'));
    const error = await app.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(error).toMatchObject({ token: 'db', requiredBy: 'api' });
    expect((error as Error).message).toContain('"api" depends on "db"');
    expect(t.events).toEqual([]);
  });

  it('finds missing constructor-injected dependencies too', () => {
    class Unbound {}
    @resource()
    class NeedsUnbound {
      constructor(@inject(Unbound) readonly u: Unbound) {}
    }
    const app = new LifecycleContainer().bind(NeedsUnbound);
    expect(() => app.validate()).toThrowError(/"NeedsUnbound" depends on "Unbound"/);
  });

  it('follows dependencies through plain injectables', () => {
    @resource()
    class Db {}
    @injectable()
    class Repo {
      constructor(@inject(Db) readonly db: Db) {}
    }
    @resource()
    class Api {
      constructor(@inject(Repo) readonly repo: Repo) {}
    }
    const { graph, indexOf } = new LifecycleContainer().bind(Db).bind(Repo).bind(Api).validate();
    expect(graph.names).toEqual(['Db', 'Api']);
    expect(graph.deps[indexOf.get(Api)!]).toEqual([indexOf.get(Db)]);
  });

  it('accepts dependencies bound directly on the inversify container', () => {
    const app = new LifecycleContainer();
    app.container.bind('config').toConstantValue({ url: 'x' });
    app.resource('db', { value: {}, dependsOn: ['config'] });
    expect(app.validate().graph.names).toEqual(['db']);
  });

  it('names the field of invalid options', () => {
    const app = new LifecycleContainer();
    expect(() => app.resource('db', { value: 1, stopTimeoutMs: 0 })).toThrowError(/resource\(db\).*stopTimeoutMs/);
    expect(() => app.resource('db2', { stopTimeoutMs: 10 } as never)).toThrowError(/create: give exactly one of `create` and `value`/);
    expect(() => new LifecycleContainer({ shutdownTimeoutMs: 'soon' as never })).toThrowError(InvalidOptionsError);
    expect(() => new LifecycleContainer({ shutdownTimeoutMs: 'soon' as never })).toThrowError(/shutdownTimeoutMs/);
  });

  it('refuses the same token twice', () => {
    const app = new LifecycleContainer().resource('db', { value: 1 });
    expect(() => app.resource('db', { value: 2 })).toThrowError(DuplicateBindingError);
  });
});

describe('a factory resolves only what it depends on', () => {
  it('get() of an undeclared resource inside create() is refused by name; declared (even transitively) is fine', async () => {
    const { LifecycleContainer: Container, StartError, UndeclaredDependencyError } = await import('../src/index.js');
    const undeclared = new Container()
      .resource('cache', { create: async () => ({ ready: true }), stop: () => undefined })
      .resource('feed', { create: ({ get }) => ({ cache: get('cache') }), stop: () => undefined });
    const error = await undeclared.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    const cause = (error as InstanceType<typeof StartError>).cause;
    expect(cause).toBeInstanceOf(UndeclaredDependencyError);
    expect((cause as Error & { code: string }).code).toBe('QUIESCE_UNDECLARED_DEPENDENCY');
    expect((cause as Error).message).toBe('"feed" resolves "cache" in its create() but does not depend on it: add dependsOn: [cache] so "cache" starts before "feed" and stops after it');

    const declared = new Container()
      .resource('cache', { create: async () => ({ ready: true }), stop: () => undefined })
      .resource('repo', { value: {}, dependsOn: ['cache'] })
      .resource('feed', { create: ({ get }) => ({ cache: get<{ ready: boolean }>('cache') }), dependsOn: ['repo'], stop: () => undefined });
    await declared.start();
    expect(declared.get<{ cache: { ready: boolean } }>('feed').cache.ready).toBe(true);
    await declared.shutdown();
  });
});
