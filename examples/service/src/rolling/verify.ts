import pg from 'pg';
import type { RollingResult } from './scenario.js';

export interface RollingEffects {
  /** POSTs answered 201 whose `created item N` audit entry never reached the audit_log table. */
  lostAuditEntries: number;
  /** POST names with more than one row in `items` (a request applied twice). */
  duplicatedItems: number;
  /** POSTs answered 201 with no row in `items`. */
  missingItems: number;
  /** Orders published with an effect row (the row is keyed by order id: at most one each). */
  ordersApplied: number;
}

/** What the deploy left in PostgreSQL, read from outside the service. */
export async function rollingEffects(databaseUrl: string, result: RollingResult): Promise<RollingEffects> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const audit = await client.query<{ entry: string }>('SELECT entry FROM audit_log WHERE entry = ANY($1)', [result.createdIds.map((id) => `created item ${id}`)]);
    const audited = new Set(audit.rows.map((r) => r.entry));
    const items = await client.query<{ name: string; n: string }>('SELECT name, count(*) AS n FROM items WHERE name = ANY($1) GROUP BY name', [result.postNames]);
    const rows = new Map(items.rows.map((r) => [r.name, Number(r.n)]));
    const created = result.requests.filter((r) => r.kind === 'POST' && r.id !== undefined).map((r) => r.target);
    const orders = await client.query<{ n: string }>('SELECT count(*) AS n FROM order_effects WHERE message_id = ANY($1)', [result.orderIds]);
    return {
      lostAuditEntries: result.createdIds.filter((id) => !audited.has(`created item ${id}`)).length,
      duplicatedItems: [...rows.values()].filter((n) => n > 1).length,
      missingItems: created.filter((name) => !rows.has(name)).length,
      ordersApplied: Number(orders.rows[0]!.n),
    };
  } finally {
    await client.end();
  }
}
