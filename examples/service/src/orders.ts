import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumeMessage } from 'amqplib';
import type { Pool } from 'pg';

export interface Order {
  readonly id: string;
  readonly amount: number;
}

/**
 * One order message's effect, written idempotently (the message id is the primary key): a message
 * redelivered after a shutdown is applied once, and it is acked only after the row is committed.
 */
export async function applyOrder(pool: Pool, msg: ConsumeMessage, workMs: number): Promise<void> {
  const order = parseOrder(msg.content.toString('utf8'));
  // A malformed message would fail forever: requeueing it would loop. Logged and acked (dropped);
  // a real service would route it to a dead-letter queue instead.
  if (!order) {
    console.error(`dropping malformed order message: ${msg.content.toString('utf8').slice(0, 200)}`);
    return;
  }
  await sleep(workMs);
  await pool.query('INSERT INTO order_effects (message_id, amount) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING', [order.id, order.amount]);
}

function parseOrder(text: string): Order | undefined {
  try {
    const order = JSON.parse(text) as Partial<Order>;
    return typeof order.id === 'string' && Number.isInteger(order.amount) ? (order as Order) : undefined;
  } catch {
    return undefined;
  }
}
