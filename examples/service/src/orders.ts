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
  const order = JSON.parse(msg.content.toString('utf8')) as Order;
  if (typeof order.id !== 'string' || !Number.isInteger(order.amount)) throw new Error('malformed order message');
  await sleep(workMs);
  await pool.query('INSERT INTO order_effects (message_id, amount) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING', [order.id, order.amount]);
}
