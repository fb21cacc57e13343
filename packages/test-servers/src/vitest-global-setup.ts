import type { TestProject } from 'vitest/node';
import { startTestServers, type TestServers } from './all.js';
import type { ProvidedServers } from './provided-context.js';

// vitest global setup: one set of servers for the whole run, shared by all test
// files through `inject('servers')`. Use in a config as
//   globalSetup: ['packages/test-servers/src/vitest-global-setup.ts']

let servers: TestServers | undefined;

export async function setup(project: TestProject): Promise<void> {
  servers = await startTestServers();
  const { pg, redis, amqp, mariadb, nats } = servers;
  const provided: ProvidedServers = {
    pg: { url: pg.url, host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database },
    redis: { url: redis.url, host: redis.host, port: redis.port },
    amqp: { url: amqp.url, host: amqp.host, port: amqp.port },
    mariadb: { url: mariadb.url, host: mariadb.host, port: mariadb.port, user: mariadb.user, password: mariadb.password, database: mariadb.database },
    nats: { url: nats.url, host: nats.host, port: nats.port },
  };
  project.provide('servers', provided);
}

export async function teardown(): Promise<void> {
  const running = servers;
  servers = undefined;
  await running?.stop();
}
