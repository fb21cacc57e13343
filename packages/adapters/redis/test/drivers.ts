import type { ResourceDefinition } from '@quiesce/core';
import { Redis as Ioredis6 } from 'ioredis';
import { Redis as Ioredis5 } from 'ioredis5';
import { createClient as createClient6 } from 'redis';
import { createClient as createClient5 } from 'redis5';
import { ioredisClient, nodeRedisClient, type NodeRedisLike } from '../src/index.js';

/** The commands a fault test issues, whatever the driver. */
export interface TestClient {
  set(key: string, value: string): Promise<unknown>;
  /** BLPOP with a timeout in seconds (0: block until an item comes). */
  blpop(key: string, timeoutSeconds?: number): Promise<unknown>;
}

/** One driver major the adapter supports: how to build the resource, and how to talk through it. */
export interface DriverCase {
  name: string;
  /** Commands in flight when the connection drops are kept and resent after the reconnect (ioredis). */
  resendsAfterReconnect: boolean;
  resource(url: string, stopTimeoutMs: number): ResourceDefinition<unknown>;
  client(value: unknown): TestClient;
}

// Each major's constructor/factory as one callable shape: their generics differ, the calls used here do not.
type Construct = new (url: string, options: { lazyConnect: boolean }) => unknown;
type Create = (options: { url: string }) => unknown;

function ioredis(name: string, Redis: Construct): DriverCase {
  return {
    name,
    resendsAfterReconnect: true,
    // A client built by the user from either major: the adapter duck-types it.
    resource: (url, stopTimeoutMs) => ioredisClient({ client: new Redis(url, { lazyConnect: true }) as Ioredis6, stopTimeoutMs }) as ResourceDefinition<unknown>,
    client: (value) => {
      const c = value as Ioredis6;
      return { set: (k, v) => c.set(k, v), blpop: (k, t = 0) => c.blpop(k, t) };
    },
  };
}

function nodeRedis(name: string, createClient: Create): DriverCase {
  return {
    name,
    resendsAfterReconnect: false,
    resource: (url, stopTimeoutMs) => nodeRedisClient({ client: createClient({ url }) as unknown as NodeRedisLike, stopTimeoutMs }) as ResourceDefinition<unknown>,
    client: (value) => {
      const c = value as ReturnType<typeof createClient6>;
      return { set: (k, v) => c.set(k, v), blpop: (k, t = 0) => c.blPop(k, t) };
    },
  };
}

export const DRIVERS: DriverCase[] = [
  ioredis('ioredis 6', Ioredis6 as Construct),
  ioredis('ioredis 5', Ioredis5 as unknown as Construct),
  nodeRedis('node-redis 6', createClient6 as Create),
  nodeRedis('node-redis 5', createClient5 as unknown as Create),
];
