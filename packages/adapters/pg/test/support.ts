import net from 'node:net';
import pg from 'pg';
import type { ProvidedServers } from '@quiesce/test-servers';
import { inject } from 'vitest';

export const server = (): ProvidedServers['pg'] => inject('servers').pg;

export function unique(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A short-lived client of its own, so assertions never reuse the sockets under test. */
export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server().url, application_name: 'quiesce-pg-test-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Backends the server still has for this application_name. */
export function backends(applicationName: string): Promise<number> {
  return admin(async (c) => {
    const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    return rows[0]!.n;
  });
}

/**
 * An assertion connection opened in advance, so a check right after shutdown() sees the server's
 * state at that instant (opening a fresh connection first would give closing backends extra time).
 */
export async function watcher(applicationName: string): Promise<{ backends(): Promise<number>; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: server().url, application_name: 'quiesce-pg-test-watcher' });
  await client.connect();
  return {
    backends: async () =>
      (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName])).rows[0]!.n,
    close: () => client.end(),
  };
}

export { closedPort, socketsTo, waitFor } from '@quiesce/test-servers';

/** A TCP proxy to the test server that holds every new connection for `delayMs` before piping it through. */
export async function slowProxy(delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((inbound) => {
    sockets.add(inbound);
    inbound.pause();
    const timer = setTimeout(() => {
      const outbound = net.connect(server().port, '127.0.0.1', () => {
        inbound.pipe(outbound).pipe(inbound);
        inbound.resume();
      });
      sockets.add(outbound);
      const closeBoth = () => (inbound.destroy(), outbound.destroy());
      outbound.on('error', closeBoth).on('close', closeBoth);
      inbound.on('error', closeBoth).on('close', closeBoth);
    }, delayMs);
    inbound.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => proxy.close(() => resolve()));
    },
  };
}

export { cpuLoad, recordSockets, stallLoop, type RecordedSocket } from '@quiesce/test-servers';
