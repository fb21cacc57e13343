import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { AuditBuffer } from './audit-log.js';

export interface ApiDeps {
  readonly pool: Pool;
  readonly cache: Redis;
  readonly audit: AuditBuffer;
  readonly workMs: number;
}

/**
 * The HTTP API: POST /items writes to PostgreSQL, GET /items/:id reads through the Redis cache.
 * Each request sleeps `workMs` to stand in for real work, so requests are in flight when a
 * signal arrives.
 */
export function apiHandler(deps: ApiDeps): RequestListener {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  };
}

async function handle({ pool, cache, audit, workMs }: ApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const item = /^\/items\/(\d+)$/.exec(url.pathname);
  if (req.method === 'POST' && url.pathname === '/items') {
    const body = JSON.parse((await readBody(req)) || '{}') as { name?: unknown };
    if (typeof body.name !== 'string' || body.name.length === 0) return send(res, 400, { error: 'name: expected a non-empty string' });
    await sleep(workMs);
    const { rows } = await pool.query<{ id: number }>('INSERT INTO items (name) VALUES ($1) RETURNING id', [body.name]);
    audit.record(`created item ${rows[0]!.id}`);
    return send(res, 201, { id: rows[0]!.id, name: body.name });
  }
  if (req.method === 'GET' && item) {
    const id = Number(item[1]);
    await sleep(workMs);
    const cached = await cache.get(`item:${id}`);
    if (cached) return send(res, 200, { ...JSON.parse(cached), cached: true });
    const { rows } = await pool.query<{ id: number; name: string }>('SELECT id, name FROM items WHERE id = $1', [id]);
    if (!rows[0]) return send(res, 404, { error: `no item ${id}` });
    await cache.set(`item:${id}`, JSON.stringify(rows[0]), 'EX', 60);
    return send(res, 200, { ...rows[0], cached: false });
  }
  send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
