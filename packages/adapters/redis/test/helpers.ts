import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** A unique prefix for keys, channels and connection names, so parallel test files never collide. */
export function unique(label: string): string {
  return `quiesce-redis-test:${label}:${randomUUID().slice(0, 8)}`;
}

/** Parsed `CLIENT LIST` entries (seen from a separate admin connection) carrying `name`. */
export async function connectionsNamed(admin: Redis, name: string): Promise<Record<string, string>[]> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  return list
    .split('\n')
    .filter(Boolean)
    .map((line) => Object.fromEntries(line.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])))
    .filter((entry) => entry.name === name);
}

/** Poll (bounded) until `check` holds; returns whether it did. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 2_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
