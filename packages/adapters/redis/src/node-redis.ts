import type { ResourceDefinition, ResourceOptions } from '@quiesce/core';
import type { RedisClientOptions } from 'redis';
import { redisResource, type RedisDriver } from './graceful.js';
import { clientOptionsSchema, clientWith, parseClientOptions, plainObject, redisUrl } from './options.js';

/** What the adapter needs from a node-redis v5/v6 client (`createClient()`, any modules/RESP). */
export interface NodeRedisLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  readonly isPubSubActive: boolean;
  connect(): Promise<unknown>;
  ping(): Promise<unknown>;
  unsubscribe(): Promise<unknown>;
  pUnsubscribe(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  listenerCount(event: 'error'): number;
}

export interface NodeRedisClientOptions<C extends NodeRedisLike = NodeRedisLike> extends ResourceOptions {
  /** An existing client, connected or not. Exactly one of `client` and `config`. */
  client?: C;
  /**
   * What to build a client from: a `redis://` URL, or node-redis' `RedisClientOptions` (its own
   * `url` among them), passed to `createClient()` (structural here: see IoredisLike). (0.x: was `url` / `clientOptions`.)
   */
  config?: string | { url?: string; [option: string]: unknown };
}

const schema = clientOptionsSchema(
  (z) => ({
    client: clientWith<NodeRedisLike>(z, ['connect', 'close', 'destroy', 'ping'], 'a node-redis client (createClient())').optional(),
    config: z.union([redisUrl(z), plainObject<RedisClientOptions>(z, 'a node-redis createClient() options object')]).optional(),
  }),
  ['url', 'clientOptions'],
  'a node-redis',
);

const driver: RedisDriver<NodeRedisLike> = {
  async open(client) {
    if (!client.isOpen) await client.connect();
    await client.ping();
  },
  async unsubscribeAll(client) {
    if (client.isPubSubActive) await Promise.all([client.unsubscribe(), client.pUnsubscribe()]);
  },
  // Replies come in order: once this PING is answered, every reply issued before it has reached
  // its caller. Not close(): on node-redis 5 it marks the client closed at once, and a destroy()
  // after that throws ClientClosedError without closing the socket, so a frozen server's socket
  // could not be cut any more (fixed in 6).
  close: async (client, watch) => {
    if (!client.isOpen) return true;
    // Reconnecting: wait for the attempt's outcome. destroy() while its TCP connect is pending
    // leaks the new socket (node-redis 5 and 6 assign it only once connected).
    if (!client.isReady) await watch.next();
    const live = client.isReady;
    if (live) await client.ping();
    client.destroy();
    return live;
  },
  // destroy() rejects every pending command and closes the socket; on node-redis 5 it throws once closed.
  kill: (client) => {
    if (client.isOpen) client.destroy();
  },
};

/** A managed node-redis client: `app.resource(Cache, nodeRedisClient({ config: 'redis://…' }))` (`nodeRedisClient<RedisClientType>(...)` for node-redis' own type). */
export function nodeRedisClient<C extends NodeRedisLike = NodeRedisLike>(options: NodeRedisClientOptions<C> = {}): ResourceDefinition<C> {
  const { lifecycle, connection: c } = parseClientOptions('nodeRedisClient', options, schema);
  const create = async (): Promise<C> => {
    if (c.client) return c.client as C;
    // Loaded lazily so that ioredis users need not install redis (optional peer).
    const { createClient } = await import('redis');
    return createClient((typeof c.config === 'string' ? { url: c.config } : c.config) as RedisClientOptions) as unknown as C;
  };
  return redisResource<C>(create, lifecycle, driver);
}
