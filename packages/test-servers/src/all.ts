import type { ServerName } from './errors.js';
import { ensureServerBinaries } from './install.js';
import { startMariaDB, type MariaDBOptions } from './mariadb.js';
import { startNats, type NatsOptions } from './nats.js';
import { startPostgres, type PostgresOptions } from './postgres.js';
import { startRabbitMQ, type RabbitMQOptions } from './rabbitmq.js';
import { startRedis, type RedisOptions } from './redis.js';
import type { MariaDBServer, NatsServer, PgServer, RabbitMQServer, RedisServer } from './types.js';

export interface AllServers {
  pg: PgServer;
  redis: RedisServer;
  amqp: RabbitMQServer;
  mariadb: MariaDBServer;
  nats: NatsServer;
  /** Stops them all concurrently; throws an AggregateError if any stop failed. */
  stop(): Promise<void>;
}

export interface StartAllOptions {
  postgres?: PostgresOptions;
  redis?: RedisOptions;
  rabbitmq?: RabbitMQOptions;
  mariadb?: MariaDBOptions;
  nats?: NatsOptions;
}

/**
 * Starts PostgreSQL, Redis, RabbitMQ, MariaDB and NATS in parallel (RabbitMQ dominates the time;
 * MariaDB takes ~1.5 s, NATS ~40 ms, so both always start).
 * If one fails, the others are stopped before the error is thrown, so a failed
 * setup leaves nothing running.
 */
export async function startAllServers(opts: StartAllOptions = {}): Promise<AllServers> {
  // One install step for everything missing: apt-get serializes anyway.
  const needed: ServerName[] = [];
  if (!process.env.QUIESCE_PG_URL) needed.push('postgres');
  if (!process.env.QUIESCE_REDIS_URL) needed.push('redis');
  if (!process.env.QUIESCE_AMQP_URL) needed.push('rabbitmq');
  if (!process.env.QUIESCE_MYSQL_URL) needed.push('mariadb');
  if (!process.env.QUIESCE_NATS_URL) needed.push('nats');
  await ensureServerBinaries(needed);

  const results = await Promise.allSettled([
    startPostgres(opts.postgres),
    startRedis(opts.redis),
    startRabbitMQ(opts.rabbitmq),
    startMariaDB(opts.mariadb),
    startNats(opts.nats),
  ] as const);
  const [pg, redis, amqp, mariadb, nats] = results;
  if (pg.status === 'fulfilled' && redis.status === 'fulfilled' && amqp.status === 'fulfilled'
    && mariadb.status === 'fulfilled' && nats.status === 'fulfilled') {
    const servers = [pg.value, redis.value, amqp.value, mariadb.value, nats.value];
    return {
      pg: pg.value,
      redis: redis.value,
      amqp: amqp.value,
      mariadb: mariadb.value,
      nats: nats.value,
      stop: () => stopAll(servers),
    };
  }
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  await Promise.allSettled(started.map((s) => s.stop()));
  const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
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
