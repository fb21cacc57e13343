import type { ServerName } from './errors.js';
import { ensureServerBinaries } from './install.js';
import { startMariaDB, type MariaDBOptions } from './mariadb.js';
import { startNats, type NatsOptions } from './nats.js';
import { startPostgres, type PostgresOptions } from './postgres.js';
import { startRabbitMQ, type RabbitMQOptions } from './rabbitmq.js';
import { startRedis, type RedisOptions } from './redis.js';
import type { MariaDBServer, NatsServer, PgServer, RabbitMQServer, RedisServer, TestServer } from './types.js';

export interface AllServers {
  pg: PgServer;
  redis: RedisServer;
  amqp: RabbitMQServer;
  /** Stops all of them concurrently; throws an AggregateError if any stop failed. */
  stop(): Promise<void>;
}

/** What the whole test suite uses: the demo's three plus the servers of the queue and database adapters. */
export interface TestServers extends AllServers {
  mariadb: MariaDBServer;
  nats: NatsServer;
}

export interface StartAllOptions {
  postgres?: PostgresOptions;
  redis?: RedisOptions;
  rabbitmq?: RabbitMQOptions;
}

export interface StartTestServersOptions extends StartAllOptions {
  mariadb?: MariaDBOptions;
  nats?: NatsOptions;
}

// HAProxy has no override: it is started per test, in front of processes the test starts itself.
const ENV: Readonly<Partial<Record<ServerName, string>>> = {
  postgres: 'QUIESCE_PG_URL',
  redis: 'QUIESCE_REDIS_URL',
  rabbitmq: 'QUIESCE_AMQP_URL',
  mariadb: 'QUIESCE_MYSQL_URL',
  nats: 'QUIESCE_NATS_URL',
};

/**
 * Starts PostgreSQL, Redis and RabbitMQ in parallel (RabbitMQ dominates the time): what the
 * example service and the benchmarks need. If one fails, the others are stopped before the error
 * is thrown, so a failed setup leaves nothing running.
 */
export function startAllServers(opts: StartAllOptions = {}): Promise<AllServers> {
  return startTogether({
    pg: ['postgres', () => startPostgres(opts.postgres)],
    redis: ['redis', () => startRedis(opts.redis)],
    amqp: ['rabbitmq', () => startRabbitMQ(opts.rabbitmq)],
  });
}

/**
 * Everything the test suite's global setup starts: the three of startAllServers plus MariaDB
 * (~1.5 s: mariadb-install-db ~1.1 s, then ~0.2 s to accept) and nats-server (~40 ms), in parallel,
 * so they add nothing to RabbitMQ's 5–15 s.
 */
export function startTestServers(opts: StartTestServersOptions = {}): Promise<TestServers> {
  return startTogether({
    pg: ['postgres', () => startPostgres(opts.postgres)],
    redis: ['redis', () => startRedis(opts.redis)],
    amqp: ['rabbitmq', () => startRabbitMQ(opts.rabbitmq)],
    mariadb: ['mariadb', () => startMariaDB(opts.mariadb)],
    nats: ['nats', () => startNats(opts.nats)],
  });
}

type Starters = Record<string, readonly [ServerName, () => Promise<TestServer>]>;
type Started<S extends Starters> = { [K in keyof S]: Awaited<ReturnType<S[K][1]>> } & { stop(): Promise<void> };

async function startTogether<S extends Starters>(starters: S): Promise<Started<S>> {
  // One install step for everything missing: apt-get serializes anyway.
  const entries = Object.entries(starters);
  await ensureServerBinaries(entries.map(([, [server]]) => server).filter((server) => !process.env[ENV[server] ?? '']));
  const results = await Promise.allSettled(entries.map(([, [, start]]) => start()));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (reasons.length === 0) {
    const servers = Object.fromEntries(entries.map(([key], i) => [key, started[i]]));
    return { ...servers, stop: () => stopAll(started) } as Started<S>;
  }
  await Promise.allSettled(started.map((s) => s.stop()));
  if (reasons.length === 1) throw reasons[0];
  throw new AggregateError(reasons, `[test-servers] ${reasons.length} servers failed to start:\n\n${reasons.map(String).join('\n\n')}`);
}

async function stopAll(servers: Array<{ stop(): Promise<void> }>): Promise<void> {
  const results = await Promise.allSettled(servers.map((s) => s.stop()));
  const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (reasons.length > 0) {
    throw new AggregateError(reasons, `[test-servers] failed to stop:\n\n${reasons.map(String).join('\n\n')}`);
  }
}
