import type { ResourceDefinition, ResourceOptions } from '@quiesce/core';
import type { Redis, RedisOptions } from 'ioredis';
import { redisResource, type RedisDriver } from './graceful.js';
import { clientOptionsSchema, clientWith, parseClientOptions, plainObject, redisUrl } from './options.js';

/**
 * An ioredis client as this package's public types see it. Structural on purpose: ioredis is an
 * optional peer, and declarations that imported it would fail (TS2307) in a node-redis-only
 * project compiled with `skipLibCheck: false`. Every ioredis 5/6 `Redis` fits.
 */
export interface IoredisLike {
  readonly status: string;
  connect(): Promise<unknown>;
  ping(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(reconnect?: boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  listenerCount(event: 'error'): number;
}

export interface IoredisClientOptions<C extends IoredisLike = IoredisLike> extends ResourceOptions {
  /** An existing client to manage. Exactly one of `client` and `config`. */
  client?: C;
  /**
   * What to build a client from: `redis://[user:pass@]host:port[/db]`, or ioredis' `RedisOptions`
   * (passed to `new Redis()`), optionally with a `url` beside them (`new Redis(url, options)`).
   * `lazyConnect` is forced so that start() connects and reports failures. (0.x: was `url` / `redisOptions`.)
   */
  config?: string | { url?: string; [option: string]: unknown };
}

const schema = clientOptionsSchema(
  (z) => ({
    client: clientWith<Redis>(z, ['quit', 'disconnect', 'ping'], 'an ioredis client (new Redis(...))').optional(),
    config: z.union([redisUrl(z), plainObject<RedisOptions & { url?: string }>(z, 'an ioredis options object')]).optional(),
  }),
  ['url', 'redisOptions'],
  'an ioredis',
);

// Statuses whose socket ends with an 'end' event after QUIT. In 'reconnecting', ioredis answers QUIT
// itself (no socket to close) and never emits 'end'.
const LIVE = new Set(['connecting', 'connect', 'ready']);

const driver: RedisDriver<Redis> = {
  async open(client) {
    if (client.status === 'wait') await client.connect();
    await client.ping();
  },
  async unsubscribeAll(client) {
    const subs = client.condition?.subscriber;
    if (!subs) return;
    // Explicit names: ioredis matches argument-less (P)UNSUBSCRIBE replies by the remaining count;
    // with channels and patterns both subscribed, PUNSUBSCRIBE() never settles and QUIT's reply
    // is paired with the wrong command (QUIT then rejects).
    const [channels, patterns, shards] = [subs.channels('subscribe'), subs.channels('psubscribe'), subs.channels('ssubscribe')];
    await Promise.all([
      channels.length > 0 && client.unsubscribe(...channels),
      patterns.length > 0 && client.punsubscribe(...patterns),
      shards.length > 0 && client.sunsubscribe(...shards),
    ]);
  },
  async close(client) {
    if (client.status === 'end' || client.status === 'wait') {
      client.disconnect();
      return true;
    }
    // Lost and waiting to reconnect: ioredis would answer QUIT itself and keep what it queued.
    if (!LIVE.has(client.status)) {
      cut(client);
      return false;
    }
    // enableAutoPipelining buffers commands until process.nextTick; QUIT bypasses that buffer and
    // would overtake them (they would then fail with "Connection is closed").
    if (client.autoPipelineQueueSize > 0) await new Promise((resolve) => setImmediate(resolve));
    const ended = LIVE.has(client.status) ? new Promise((resolve) => client.once('end', resolve)) : undefined;
    // Redis answers in order: QUIT's reply comes after every earlier command's reply.
    await client.quit();
    await ended;
    return true;
  },
  kill: cut,
};

/** What the cut needs beyond ioredis' public API (present in ioredis 5 and 6). */
interface Internals {
  connector?: { disconnectTimeout: number };
  flushQueue?: (error: Error) => void;
}

/**
 * Close now. disconnect() alone only half-closes: it ends the socket and destroys it after
 * `disconnectTimeout` (2 s), a timer that keeps the process alive when the server does not answer
 * the FIN (frozen). On a socket already gone (status 'reconnecting') nothing ever clears that timer,
 * and the commands queued for the next connection are never rejected.
 */
function cut(client: Redis): void {
  if (client.status === 'end') return; // cut already: another disconnect() would arm another timer
  const internals = client as unknown as Internals;
  if (internals.connector) internals.connector.disconnectTimeout = 0;
  const live = client.stream !== undefined && !client.stream.destroyed;
  client.stream?.destroy();
  client.disconnect(); // no reconnect; the socket's 'close' rejects the pending commands
  if (!live) internals.flushQueue?.(new Error('Connection is closed.'));
}

/** A managed ioredis client: `app.resource(Cache, ioredisClient({ config: 'redis://…' }))` (`ioredisClient<Redis>(...)` for ioredis' own type). */
export function ioredisClient<C extends IoredisLike = IoredisLike>(options: IoredisClientOptions<C> = {}): ResourceDefinition<C> {
  const { lifecycle, connection: c } = parseClientOptions('ioredisClient', options, schema);
  const create = async (): Promise<Redis> => {
    if (c.client) return c.client as unknown as Redis;
    // Loaded lazily so that node-redis users need not install ioredis (optional peer).
    const { Redis } = await import('ioredis');
    const { url, ...redisOptions } = typeof c.config === 'string' ? { url: c.config } : (c.config as unknown as RedisOptions & { url?: string });
    return url ? new Redis(url, { ...redisOptions, lazyConnect: true }) : new Redis({ ...redisOptions, lazyConnect: true });
  };
  // Typed against ioredis inside; only the public signature is structural.
  return redisResource(create, lifecycle, driver) as unknown as ResourceDefinition<C>;
}
