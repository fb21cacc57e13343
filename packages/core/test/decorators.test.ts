import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, LifecycleContainer, resource } from '../src/index.js';
import { inject } from 'inversify';

@resource()
class Config {
  readonly url = 'postgres://example';
}

@resource({ name: 'db' })
class Db {
  // No @inject: the dependency comes from TypeScript's design:paramtypes, as users compile it.
  constructor(readonly config: Config) {}
}

const API = Symbol('api');

@resource()
class Api {
  constructor(@inject(Db) readonly db: Db) {}
}

describe('decorators as users compile them', () => {
  it('injects constructor parameters from emitted decorator metadata (no explicit token)', async () => {
    expect(Reflect.getMetadata('design:paramtypes', Db)).toEqual([Config]);
    const app = new LifecycleContainer().bind(Config).bind(Db).bind(Api).alias(API, Api);
    await app.start();
    const api = app.get<Api>(API);
    expect(api.db).toBeInstanceOf(Db);
    expect(api.db.config).toBeInstanceOf(Config);
    expect(app.validate().graph.deps[app.validate().indexOf.get(Db)!]!.map((d) => app.validate().graph.names[d])).toEqual(['Config']);
    await app.shutdown();
  });

  it('rejects invalid @resource options with an error naming the field', () => {
    expect(() => {
      @resource({ stopTimeoutMs: -5 })
      class Broken {}
      return Broken;
    }).toThrowError(InvalidOptionsError);
    let caught: unknown;
    try {
      @resource({ stopTimeoutMs: -5, bogus: 1 } as never)
      class Broken2 {}
      void Broken2;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    expect((caught as InvalidOptionsError).message).toMatch(/Broken2.*stopTimeoutMs/);
    expect((caught as InvalidOptionsError).issues.map((i) => i.field)).toEqual(expect.arrayContaining(['stopTimeoutMs', 'bogus']));
  });
});
