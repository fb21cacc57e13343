import { LifecycleContainer } from '@quiesce/core';
import { invalidOptions } from '@quiesce/test-servers';
import { describe, expect, it } from 'vitest';
import { ioredisClient, nodeRedisClient, redisModule } from '../src/index.js';

const issuesOf = (build: () => unknown) => invalidOptions(build).issues;

// #27: `client | config` for both drivers; the 0.x names are refused saying their new name, so an
// upgrade cannot silently build a client to the default 127.0.0.1:6379 instead of the one configured.
describe('redis option names (client | config)', () => {
  it.each([
    ['ioredisClient', 'url', () => ioredisClient({ url: 'redis://127.0.0.1:6379' } as never)],
    ['ioredisClient', 'redisOptions', () => ioredisClient({ redisOptions: { db: 1 } } as never)],
    ['nodeRedisClient', 'url', () => nodeRedisClient({ url: 'redis://127.0.0.1:6379' } as never)],
    ['nodeRedisClient', 'clientOptions', () => nodeRedisClient({ clientOptions: {} } as never)],
  ])('%s refuses the old `%s`, naming it and `config`', (_subject, field, build) => {
    expect(issuesOf(build)).toContainEqual({ field, message: `\`${field}\` was renamed to \`config\` in 0.x` });
  });

  it('exactly one of `client` and `config`: neither names `client`', () => {
    expect(issuesOf(() => ioredisClient({}))).toEqual([{ field: 'client', message: expect.stringMatching(/give `client` .* or `config`/) }]);
    expect(issuesOf(() => nodeRedisClient({}))).toEqual([{ field: 'client', message: expect.stringMatching(/give `client` .* or `config`/) }]);
  });

  it('`config` takes a URL or the driver options (ioredis: with a `url` beside them)', () => {
    expect(() => ioredisClient({ config: 'rediss://cache:6380' })).not.toThrow();
    expect(() => ioredisClient({ config: { url: 'redis://cache:6379', db: 2 } })).not.toThrow();
    expect(() => nodeRedisClient({ config: { url: 'redis://cache:6379' } })).not.toThrow();
    expect(issuesOf(() => nodeRedisClient({ config: 'http://cache' }))).toEqual([{ field: 'config', message: expect.stringMatching(/expected a redis:\/\//) }]);
  });
});

describe('redisModule({ token?, ...options })', () => {
  it('the old (token, options) call is refused saying the new shape', () => {
    expect(() => (redisModule as (...a: unknown[]) => unknown)('cache', { config: 'redis://x:6379' })).toThrow(/redisModule\(token, options\) became redisModule\(\{ token, \.\.\.options \}\)/);
  });

  it('the token defaults to the node name, which defaults to "redis"', () => {
    const app = new LifecycleContainer();
    app.load(redisModule({ config: 'redis://127.0.0.1:6379' }));
    app.load(redisModule({ name: 'sessions', driver: 'node-redis', config: 'redis://127.0.0.1:6379' }));
    // Bound under those names: a node depending on the two tokens is wired to both.
    app.resource('user', { value: {}, dependsOn: ['redis', 'sessions'] });
    expect(app.graph().nodes.find((n) => n.name === 'user')?.dependsOn).toEqual(['redis', 'sessions']);
  });
});
