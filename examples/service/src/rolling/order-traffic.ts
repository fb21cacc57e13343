// The queue side of the rolling deploy: orders published while replicas come and go, and the check
// that each one was applied (the effect row is keyed by order id, so "applied" means exactly once).
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import pg from 'pg';

/** Publishes `count` persistent, confirmed orders at about `perSecond`; resolves with their ids. */
export async function publishOrders(url: string, queue: string, count: number, perSecond: number): Promise<string[]> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    const ids: string[] = [];
    for (let k = 0; k < count; k++) {
      const id = `${queue}-${k}`;
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ id, amount: k + 1 })), { persistent: true });
      ids.push(id);
      if (k % 10 === 9) await sleep((10 * 1_000) / perSecond);
    }
    await channel.waitForConfirms();
    return ids;
  } finally {
    await connection.close();
  }
}

/** Waits (bounded) until every order has its effect row in PostgreSQL (the effect is keyed by order id). */
export async function waitForOrders(databaseUrl: string, ids: readonly string[], timeoutMs = 20_000): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM order_effects WHERE message_id = ANY($1)', [ids]);
      if (Number(rows[0]!.n) === ids.length) return;
      if (performance.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${ids.length} orders applied after ${timeoutMs} ms`);
      await sleep(100);
    }
  } finally {
    await client.end();
  }
}

export async function deleteQueue(url: string, queue: string): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    await (await connection.createChannel()).deleteQueue(queue);
  } finally {
    await connection.close();
  }
}
