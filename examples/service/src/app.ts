import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { amqpConnection, amqpConsumer } from '@quiesce/amqp';
import { LifecycleContainer, type Logger } from '@quiesce/core';
import { httpServer } from '@quiesce/http';
import { pgPool } from '@quiesce/pg';
import { ioredisClient } from '@quiesce/redis';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { apiHandler } from './api.js';
import { AuditBuffer } from './audit-log.js';
import type { Config } from './config.js';
import { applyOrder } from './orders.js';
import { publishProcessed, registerOrderFeed } from './order-feed.js';
import { migrate } from './schema.js';
import { Amqp, AuditLog, Cache, CacheWarmer, Db, Http, OrdersConsumer, Schema } from './tokens.js';

/**
 * The whole service as a lifecycle graph:
 *
 *   http ──▶ audit-log ──▶ schema ──▶ db
 *     │  └─▶ cache-warmer ──▶ cache
 *     └─────────────────────▶ db
 *   orders-consumer ──▶ amqp, schema
 *   order-feed ──▶ http   (WebSocket on http's server: closes its clients first)
 *
 * Shutdown stops the front door and the consumer first, the stores last.
 */
export function buildApp(config: Config, logger?: Logger): LifecycleContainer {
  const app = new LifecycleContainer({
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    drainDelayMs: config.DRAIN_DELAY_MS,
    defaultStopTimeoutMs: 5_000,
    ...(logger ? { logger } : {}),
  });
  const appName = `quiesce-example-${process.pid}`;

  app.resource(Db, pgPool({ name: 'db', config: { connectionString: config.DATABASE_URL, max: 10, application_name: appName }, stopTimeoutMs: 3_000, reserveMs: 500 }));
  app.resource(Cache, ioredisClient({ name: 'cache', config: { url: config.REDIS_URL, connectionName: appName }, stopTimeoutMs: 2_000, reserveMs: 200 }));
  app.resource(Amqp, amqpConnection({ name: 'amqp', config: config.AMQP_URL, stopTimeoutMs: 2_000, reserveMs: 300 }));

  app.resource(Schema, {
    name: 'schema',
    value: 'schema',
    dependsOn: [Db],
    stopTimeoutMs: 500,
    start: () => migrate(app.get<Pool>(Db)),
  });

  app.resource(AuditLog, {
    name: 'audit-log',
    create: () => new AuditBuffer(),
    dependsOn: [Schema],
    stopTimeoutMs: 2_000,
    stop: async (audit) => {
      if (config.FAULT_HANG_STOP === '1') await new Promise(() => {});
      await audit.flush(app.get<Pool>(Db));
    },
  });

  app.resource(CacheWarmer, {
    name: 'cache-warmer',
    value: 'cache-warmer',
    dependsOn: [Schema, Cache],
    stopTimeoutMs: 500,
    start: async (_value, { signal }) => {
      if (config.FAULT_SLOW_START_MS > 0) await sleep(config.FAULT_SLOW_START_MS, undefined, { signal }).catch(() => undefined);
      signal.throwIfAborted();
      const { rows } = await app.get<Pool>(Db).query<{ id: number; name: string }>('SELECT id, name FROM items ORDER BY id DESC LIMIT 100');
      const cache = app.get<Redis>(Cache);
      for (const row of rows) await cache.set(`item:${row.id}`, JSON.stringify(row), 'EX', 60);
    },
  });

  app.resource(
    OrdersConsumer,
    amqpConsumer({
      name: 'orders-consumer',
      connectionToken: Amqp,
      queue: config.QUEUE,
      assertQueue: { durable: true },
      prefetch: config.PREFETCH,
      dependsOn: [Schema],
      stopTimeoutMs: 4_000,
      handler: async (msg) => {
        await applyOrder(app.get<Pool>(Db), msg, config.WORK_MS);
        publishProcessed(app, msg);
      },
    }),
  );

  app.resource(
    Http,
    httpServer({
      name: 'http',
      port: config.PORT,
      host: config.HOST,
      dependsOn: [Db, Cache, AuditLog, CacheWarmer],
      stopTimeoutMs: 4_000,
      probes: { readiness: '/readyz', liveness: '/livez', health: app },
      create: () =>
        http.createServer(
          apiHandler({ pool: app.get<Pool>(Db), cache: app.get<Redis>(Cache), audit: app.get<AuditBuffer>(AuditLog), workMs: config.WORK_MS }),
        ),
    }),
  );
  registerOrderFeed(app);
  return app;
}
