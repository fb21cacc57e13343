import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { inject } from 'vitest';
import type {} from '@quiesce/test-servers';

/** Direct access to the servers the service uses, to check its effects from outside. */
export function servers() {
  return inject('servers');
}

export function serviceEnv(queue: string): Record<string, string> {
  const s = servers();
  return { DATABASE_URL: s.pg.url, REDIS_URL: s.redis.url, AMQP_URL: s.amqp.url, QUEUE: queue };
}

export async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: servers().pg.url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Connections of the service process with this pid still open in PostgreSQL. */
export async function pgConnectionsOf(pid: number): Promise<number> {
  const rows = await sql<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [`quiesce-example-${pid}`]);
  return Number(rows[0]!.n);
}

/** Connections of the service process with this pid still open in Redis. */
export async function redisConnectionsOf(pid: number): Promise<number> {
  const redis = new Redis(servers().redis.url);
  try {
    const list = (await redis.client('LIST')) as string;
    return list.split('\n').filter((line) => line.includes(`name=quiesce-example-${pid} `)).length;
  } finally {
    redis.disconnect();
  }
}

/** Publish order messages with unique ids (persistent, confirmed). */
export async function publishOrders(queue: string, ids: readonly string[]): Promise<void> {
  const connection = await amqp.connect(servers().amqp.url);
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue(queue, { durable: true });
  ids.forEach((id, k) => channel.sendToQueue(queue, Buffer.from(JSON.stringify({ id, amount: k + 1 })), { persistent: true }));
  await channel.waitForConfirms();
  await connection.close();
}

export async function deleteQueue(queue: string): Promise<void> {
  const connection = await amqp.connect(servers().amqp.url);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await connection.close();
}

export async function effectsFor(ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await sql<{ message_id: string }>('SELECT message_id FROM order_effects WHERE message_id = ANY($1)', [ids]);
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.message_id, (counts.get(r.message_id) ?? 0) + 1);
  return counts;
}

export async function auditedItemIds(ids: readonly number[]): Promise<Set<number>> {
  const rows = await sql<{ entry: string }>('SELECT entry FROM audit_log WHERE entry = ANY($1)', [ids.map((id) => `created item ${id}`)]);
  return new Set(rows.map((r) => Number(r.entry.replace('created item ', ''))));
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
