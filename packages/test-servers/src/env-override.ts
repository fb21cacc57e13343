import type { MariaDBServer, PgServer, TestServer } from './types.js';

// A developer with servers already running (or a CI service container) can point
// the tests at them instead of starting new ones; those are never stopped by us.

async function noop(): Promise<void> {}

function parse(envName: string, defaultPort: number): URL | undefined {
  const value = process.env[envName];
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (!url.port) url.port = String(defaultPort);
    return url;
  } catch {
    throw new Error(`[test-servers] ${envName} is not a valid URL: ${JSON.stringify(value)}`);
  }
}

function external(url: URL, original: string): TestServer {
  return { host: url.hostname, port: Number(url.port), url: original, pid: undefined, external: true, stop: noop };
}

export function pgFromEnv(): PgServer | undefined {
  const url = parse('QUIESCE_PG_URL', 5432);
  if (!url) return undefined;
  const user = decodeURIComponent(url.username) || 'postgres';
  return {
    ...external(url, process.env.QUIESCE_PG_URL!),
    user,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || user,
  };
}

export function redisFromEnv(): TestServer | undefined {
  const url = parse('QUIESCE_REDIS_URL', 6379);
  return url && external(url, process.env.QUIESCE_REDIS_URL!);
}

export function mariadbFromEnv(): MariaDBServer | undefined {
  const url = parse('QUIESCE_MYSQL_URL', 3306);
  if (!url) return undefined;
  const user = decodeURIComponent(url.username) || 'root';
  return {
    ...external(url, process.env.QUIESCE_MYSQL_URL!),
    user,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || 'quiesce',
  };
}

export function natsFromEnv(): TestServer | undefined {
  const url = parse('QUIESCE_NATS_URL', 4222);
  return url && external(url, process.env.QUIESCE_NATS_URL!);
}

export function amqpFromEnv(): TestServer | undefined {
  const url = parse('QUIESCE_AMQP_URL', 5672);
  return url && external(url, process.env.QUIESCE_AMQP_URL!);
}
