import { InvalidOptionsError, type LifecycleModule, type ResourceDefinition, type Token } from '@quiesce/core';
import { lifecycleModule, moduleBinding } from '@quiesce/core/kit';
import { ioredisClient, type IoredisClientOptions } from './ioredis.js';
import { nodeRedisClient, type NodeRedisClientOptions } from './node-redis.js';

/** One client's options, the driver that builds it, and the token to bind it under (default: the node name, `name` else 'redis'). */
export type RedisModuleOptions = (({ driver?: 'ioredis' } & IoredisClientOptions) | ({ driver: 'node-redis' } & NodeRedisClientOptions)) & { token?: Token };

/** `app.load(redisModule({ token: Cache, config: 'redis://…' }))`: registers one managed client. Validates now. */
export function redisModule(options: RedisModuleOptions): LifecycleModule {
  // 0.x took (token, options): say so rather than fail on whatever the token's type happens to be.
  if (arguments.length > 1) throw new InvalidOptionsError('redisModule', [{ field: '(root)', message: 'redisModule(token, options) became redisModule({ token, ...options }) in 0.x' }]);
  const { driver = 'ioredis', token: _token, ...rest } = options ?? ({} as RedisModuleOptions);
  const { name, token } = moduleBinding('redisModule', options ?? {}, 'redis');
  let definition: ResourceDefinition<unknown>;
  if (driver === 'ioredis') definition = ioredisClient({ ...rest, name } as IoredisClientOptions) as ResourceDefinition<unknown>;
  else if (driver === 'node-redis') definition = nodeRedisClient({ ...rest, name } as NodeRedisClientOptions) as ResourceDefinition<unknown>;
  else throw new InvalidOptionsError('redisModule', [{ field: 'driver', message: "expected 'ioredis' or 'node-redis'" }]);
  return lifecycleModule(name, (app) => app.resource(token, definition));
}
