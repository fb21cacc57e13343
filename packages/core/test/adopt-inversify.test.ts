import { describe, expect, it } from 'vitest';
import { Container, ContainerModule, inject, injectable, preDestroy } from 'inversify';
import { LifecycleContainer, LifecycleStateError, resource } from '../src/index.js';
import { sleep } from './support/timeline.js';

const TYPES = { Db: Symbol('Db'), Repo: Symbol('Repo'), Api: Symbol('Api'), Clock: Symbol('Clock') };

/** An app wired the inversify way first: symbols, ContainerModules, onDeactivation, @preDestroy. */
function buildInversifyApp(log: string[]) {
  @resource({ name: 'db', stopTimeoutMs: 2_000 })
  class PgDb {
    async start() { log.push('db start'); }
    @preDestroy()
    async close() {
      await sleep(20);
      log.push('db preDestroy');
    }
  }

  @injectable()
  class Repo {
    constructor(@inject(TYPES.Db) readonly db: PgDb) {}
  }

  @resource({ name: 'api' })
  class Api {
    constructor(@inject(TYPES.Repo) readonly repo: Repo) {}
    async start() { log.push('api start'); }
    async stop() {
      await sleep(20);
      log.push('api stop');
    }
  }

  const storage = new ContainerModule(({ bind }) => {
    bind(TYPES.Db).to(PgDb).inSingletonScope();
    bind(TYPES.Repo).to(Repo).inSingletonScope();
  });
  const web = new ContainerModule(({ bind }) => {
    bind(TYPES.Api).to(Api).inSingletonScope().onDeactivation(() => void log.push('api onDeactivation'));
    bind(TYPES.Clock).toConstantValue({ now: () => 0 });
  });
  const container = new Container();
  container.load(storage, web);
  container.onDeactivation(TYPES.Db, () => void log.push('db container onDeactivation'));
  return container;
}

describe('adopting an existing inversify container', () => {
  it('builds the graph from bindings with lifecycle metadata and their injections, through plain injectables', () => {
    const app = new LifecycleContainer({ container: buildInversifyApp([]) });
    const { graph } = app.validate();
    expect([...graph.names].sort()).toEqual(['api', 'db']);
    const api = graph.names.indexOf('api');
    expect(graph.deps[api]!.map((d) => graph.names[d])).toEqual(['db']);
  });

  it('starts and stops in dependency order, runs @preDestroy and onDeactivation once, as part of the node stop', async () => {
    const log: string[] = [];
    const container = buildInversifyApp(log);
    const app = new LifecycleContainer({ container });
    await app.start();
    expect(log).toEqual(['db start', 'api start']);
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(log).toEqual(['db start', 'api start', 'api stop', 'api onDeactivation', 'db preDestroy', 'db container onDeactivation']);
    // The db node's time includes its preDestroy: it is part of the node's stop.
    expect(report.node('db')!.durationMs!).toBeGreaterThanOrEqual(15);
    // inversify's own teardown afterwards must not run any of them again.
    await container.unbindAllAsync();
    expect(log.filter((l) => l.includes('preDestroy') || l.includes('onDeactivation'))).toHaveLength(3);
  });

  it('in-flight work is tracked for resources bound the inversify way too', async () => {
    const log: string[] = [];
    const app = new LifecycleContainer({ container: buildInversifyApp(log) });
    await app.start();
    const work = app.inFlight(TYPES.Api);
    const done = work.track();
    const stopping = app.shutdown();
    await sleep(30);
    expect(log).not.toContain('api stop'); // waits for the tracked work
    done();
    await stopping;
    expect(log).toContain('api stop');
  });

  it('plain injectables are resolved but never started or stopped', async () => {
    const log: string[] = [];
    const container = buildInversifyApp(log);
    const app = new LifecycleContainer({ container });
    await app.start();
    expect(app.get<{ now(): number }>(TYPES.Clock).now()).toBe(0);
    const report = await app.shutdown();
    expect(report.nodes.map((n) => n.name).sort()).toEqual(['api', 'db']);
  });

  it('refuses a lifecycle resource bound in transient scope, saying how to fix it', () => {
    @resource()
    class Pool {}
    const container = new Container();
    container.bind('pool').to(Pool).inTransientScope();
    expect(() => new LifecycleContainer({ container }).validate()).toThrowError(LifecycleStateError);
    expect(() => new LifecycleContainer({ container }).validate()).toThrowError(/bind it with \.inSingletonScope\(\)/);
  });

  it('quiesce-bound resources and inversify-bound ones live in one graph', async () => {
    const log: string[] = [];
    const container = buildInversifyApp(log);
    const app = new LifecycleContainer({ container }).resource('worker', {
      value: {},
      dependsOn: [TYPES.Api],
      stop: () => void log.push('worker stop'),
    });
    await app.start();
    await app.shutdown();
    expect(log.indexOf('worker stop')).toBeLessThan(log.indexOf('api stop'));
  });
});

describe('bindings added on inversify after validate()', () => {
  it('are part of the graph at start', async () => {
    @resource({ name: 'late' })
    class Late {
      stopped = false;
      stop() { this.stopped = true; }
    }
    const container = new Container();
    const app = new LifecycleContainer({ container });
    app.resource('db', { value: 1 });
    expect(app.validate().graph.names).toEqual(['db']);
    container.bind(Late).toSelf().inSingletonScope();
    await app.start();
    const late = app.get(Late);
    const report = await app.shutdown();
    expect(report.node('late')?.status).toBe('stopped');
    expect(late.stopped).toBe(true);
  });
});
