import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { isAlive, isPortOpen, processTree, startMariaDB, startNats, type TestServer } from '../src/index.js';
import { exchange } from '../src/probes.js';

async function expectGone(server: TestServer, pids: ReturnType<typeof processTree>): Promise<void> {
  expect(await isPortOpen(server.port, server.host)).toBe(false);
  expect(pids.filter((id) => isAlive(id))).toEqual([]);
}

describe('startMariaDB', () => {
  it('serves SQL to its own user and database over TCP on 127.0.0.1 and leaves nothing behind', async () => {
    const began = performance.now();
    const server = await startMariaDB({ useEnv: false });
    const startMs = performance.now() - began;
    const tree = processTree(server.pid!);
    try {
      expect(server.url).toBe(`mysql://quiesce:quiesce@127.0.0.1:${server.port}/quiesce`);
      const conn = await mysql.createConnection(server.url);
      const [rows] = await conn.query('SELECT 1 AS one, DATABASE() AS db, CURRENT_USER() AS who');
      expect(rows).toEqual([{ one: 1, db: 'quiesce', who: 'quiesce@%' }]);
      await conn.end();
      await expect(mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: 'wrong' }))
        .rejects.toThrow(/Access denied/);
      // A generous bound: ~1.5 s measured idle (install-db ~1.1 s, mariadbd ~0.2 s).
      expect(startMs).toBeLessThan(20_000);
    } finally {
      await server.stop();
    }
    await expectGone(server, tree);
    await server.stop(); // idempotent
  });
});

describe('startNats', () => {
  it('answers PING with PONG on 127.0.0.1 and leaves nothing behind', async () => {
    const server = await startNats({ useEnv: false });
    const tree = processTree(server.pid!);
    try {
      expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
      const reply = await exchange(server.port, server.host, Buffer.from('CONNECT {"verbose":false}\r\nPING\r\n'), (r) => r.includes('PONG\r\n'));
      expect(reply?.toString()).toMatch(/^INFO \{.*"port":\d+.*\} ?\r\nPONG\r\n$/s);
    } finally {
      await server.stop();
    }
    await expectGone(server, tree);
  });
});
