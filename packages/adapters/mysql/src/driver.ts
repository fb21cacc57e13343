import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Pool as CallbackPool } from 'mysql2';
import type { Pool as PromisePool } from 'mysql2/promise';

/** Either pool mysql2 hands out: `mysql2`'s callback Pool or `mysql2/promise`'s Pool. */
export type MysqlPool = PromisePool | CallbackPool;

/**
 * The parts of mysql2's internals the adapter relies on (mysql2 3.x; typings do not expose them).
 * Both pool flavours share one core pool: the promise Pool wraps it as `.pool`.
 */
export interface CoreConnection extends EventEmitter {
  threadId: number | null;
  stream: Socket;
  /** Set by end() (QUIT) and close(): the server closing a connection without it cut it. */
  _closing: boolean;
  release(): void;
  destroy(): void;
}

export type ConnectCallback = (err: Error | null, connection?: CoreConnection) => void;

export interface CorePool extends EventEmitter {
  _closed: boolean;
  config: { connectionConfig: object };
  getConnection(cb: ConnectCallback): void;
  end(cb: (err?: Error | null) => void): void;
}

export function corePoolOf(pool: MysqlPool): CorePool {
  const inner = (pool as { pool?: unknown }).pool;
  return (inner && typeof inner === 'object' && 'getConnection' in inner ? inner : pool) as unknown as CorePool;
}

export function isMysqlPool(value: unknown): value is MysqlPool {
  if (typeof value !== 'object' || value === null) return false;
  const core = corePoolOf(value as MysqlPool) as unknown as Record<string, unknown>;
  return ['getConnection', 'end', 'on', 'query'].every((m) => typeof core[m] === 'function') && typeof core.config === 'object';
}
