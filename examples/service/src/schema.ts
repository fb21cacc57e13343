import type { Pool } from 'pg';

/** Tables the service needs; created at start (idempotent), before anything that reads them starts. */
export async function migrate(pool: Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS items (
      id serial PRIMARY KEY,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE IF NOT EXISTS order_effects (
      message_id text PRIMARY KEY,
      amount integer NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE IF NOT EXISTS audit_log (
      id serial PRIMARY KEY,
      entry text NOT NULL
    );
  `);
}
