export { ioredisClient, type IoredisClientOptions, type IoredisLike } from './ioredis.js';
export { nodeRedisClient, type NodeRedisClientOptions, type NodeRedisLike } from './node-redis.js';
export { redisModule, type RedisModuleOptions } from './module.js';
export { RedisConnectionLostError } from './errors.js';
