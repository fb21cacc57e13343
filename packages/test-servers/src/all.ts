import type { ServerName } from './errors.js';
import { ensureServerBinaries } from './install.js';
import { startPostgres, type PostgresOptions } from './postgres.js';
import { startRabbitMQ, type RabbitMQOptions } from './rabbitmq.js';
import { startRedis, type RedisOptions } from './redis.js';
import type { PgServer, RabbitMQServer, RedisServer } from './types.js';

export interface AllServers {
  pg: PgServer;
  redis: RedisServer;
  amqp: RabbitMQServer;
  /** Stops all three concurrently; throws an AggregateError if any stop failed. */
  stop(): Promise<void>;
}

export interface StartAllOptions {
  postgres?: PostgresOptions;
  redis?: RedisOptions;
  rabbitmq?: RabbitMQOptions;
}

/**
 * Starts PostgreSQL, Redis and RabbitMQ in parallel (RabbitMQ dominates the time).
 * If one fails, the others are stopped before the error is thrown, so a failed
 * setup leaves nothing running.
 */
export async function startAllServers(opts: StartAllOptions = {}): Promise<AllServers> {
  // One install step for everything missing: apt-get serializes anyway.
  const needed: ServerName[] = [];
  if (!process.env.QUIESCE_PG_URL) needed.push('postgres');
  if (!process.env.QUIESCE_REDIS_URL) needed.push('redis');
  if (!process.env.QUIESCE_AMQP_URL) needed.push('rabbitmq');
  await ensureServerBinaries(needed);

  const results = await Promise.allSettled([
    startPostgres(opts.postgres),
    startRedis(opts.redis),
    startRabbitMQ(opts.rabbitmq),
  ] as const);
  const [pg, redis, amqp] = results;
  if (pg.status === 'fulfilled' && redis.status === 'fulfilled' && amqp.status === 'fulfilled') {
    const servers = [pg.value, redis.value, amqp.value];
    return {
      pg: pg.value,
      redis: redis.value,
      amqp: amqp.value,
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
