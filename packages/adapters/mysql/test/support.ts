import mysql from 'mysql2/promise';
import type { ProvidedServers } from '@quiesce/test-servers';
import { inject } from 'vitest';

export const server = (): ProvidedServers['mariadb'] => inject('servers').mariadb;

export function unique(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A short-lived connection of its own, so assertions never reuse the sockets under test. */
export async function admin<T>(fn: (c: mysql.Connection) => Promise<T>, url = server().url): Promise<T> {
  const c = await mysql.createConnection(url);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Which of these thread ids the server still has (information_schema.PROCESSLIST). */
export async function liveThreads(ids: readonly number[], url = server().url): Promise<number[]> {
  if (ids.length === 0) return [];
  return admin(async (c) => {
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE ID IN (?) ORDER BY ID', [ids]);
    return rows.map((r) => Number(r.id));
  }, url);
}

/** The server thread ids of every connection a pool has opened (recorded on 'connection'). */
export function recordThreads(pool: { on(event: 'connection', fn: (c: { threadId: number }) => void): unknown }): number[] {
  const ids: number[] = [];
  pool.on('connection', (c) => ids.push(c.threadId));
  return ids;
}

export { closedPort, socketsTo, waitFor } from '@quiesce/test-servers';
export { cpuLoad, recordSockets, stallLoop, type RecordedSocket } from '@quiesce/test-servers';
