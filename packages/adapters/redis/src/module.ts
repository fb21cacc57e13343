import { InvalidOptionsError, type LifecycleModule, type ResourceDefinition, type Token } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import { ioredisClient, type IoredisClientOptions } from './ioredis.js';
import { nodeRedisClient, type NodeRedisClientOptions } from './node-redis.js';

export type RedisModuleOptions = ({ driver?: 'ioredis' } & IoredisClientOptions) | ({ driver: 'node-redis' } & NodeRedisClientOptions);

/** `app.load(redisModule(Cache, { url }))`: registers one managed client under `token`. Validates now. */
export function redisModule(token: Token, options: RedisModuleOptions): LifecycleModule {
  // Validated like every module's (a `Symbol()` typo'd as a number would otherwise bind nothing usable).
  parseOptions(moduleTokenSchema, { token }, 'redisModule');
  const { driver = 'ioredis', ...rest } = options;
  let definition: ResourceDefinition<unknown>;
  if (driver === 'ioredis') definition = ioredisClient(rest as IoredisClientOptions) as ResourceDefinition<unknown>;
  else if (driver === 'node-redis') definition = nodeRedisClient(rest as NodeRedisClientOptions) as ResourceDefinition<unknown>;
  else throw new InvalidOptionsError('redisModule', [{ field: 'driver', message: "expected 'ioredis' or 'node-redis'" }]);
  return lifecycleModule('redis', (app) => app.resource(token, definition));
}
