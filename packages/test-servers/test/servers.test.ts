import net from 'node:net';
import { connect as amqpConnect } from 'amqplib';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  getFreePort,
  isAlive,
  isPortOpen,
  processTree,
  ServerError,
  startAllServers,
  startPostgres,
  startRabbitMQ,
  startRedis,
  type ProcessId,
  type TestServer,
} from '../src/index.js';
import { exchange, probeAmqp, probeRedis } from '../src/probes.js';

// Real servers: RabbitMQ alone needs ~5-10 s to boot and ~2 s to stop.
const SLOW = { timeout: 120_000 };

/** The server's whole process tree, taken while it runs (children are re-parented once it exits). */
function treeOf(server: TestServer): ProcessId[] {
  expect(server.pid).toBeTypeOf('number');
  const tree = processTree(server.pid!);
  expect(tree.length).toBeGreaterThan(0);
  return tree;
}

async function expectGone(server: TestServer, tree: ProcessId[]): Promise<void> {
  expect(await isPortOpen(server.port, server.host)).toBe(false);
  expect(tree.filter((id) => isAlive(id))).toEqual([]);
}

async function redisCommand(port: number, ...args: string[]): Promise<string> {
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  const reply = await exchange(port, '127.0.0.1', Buffer.from(payload), (r) => {
    const text = r.toString();
    // A bulk string reply is "$<len>\r\n<data>\r\n"; everything else is one line.
    return text.startsWith('$') && !text.startsWith('$-1') ? text.split('\r\n').length >= 3 : text.endsWith('\r\n');
  });
  return reply?.toString() ?? '';
}

describe('startPostgres', SLOW, () => {
  it('serves SQL with password auth on 127.0.0.1 and leaves nothing behind', async () => {
    const server = await startPostgres();
    const tree = treeOf(server);
    try {
      expect(server.url).toBe(`postgres://quiesce:quiesce@127.0.0.1:${server.port}/quiesce`);
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ one: number; db: string; user: string }>(
        'SELECT 1 AS one, current_database() AS db, current_user AS user');
      await client.end();
      expect(rows).toEqual([{ one: 1, db: 'quiesce', user: 'quiesce' }]);

      const wrong = new pg.Client({ host: server.host, port: server.port, user: server.user, password: 'wrong', database: server.database });
      await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
    } finally {
      await server.stop();
    }
    await expectGone(server, tree);
    await server.stop(); // idempotent
  });
});

describe('startRedis', SLOW, () => {
  it('answers PING and SET/GET over raw RESP and leaves nothing behind', async () => {
    const server = await startRedis();
    const tree = treeOf(server);
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await probeRedis(server.port)).toBe(true);
      expect(await redisCommand(server.port, 'SET', 'greeting', 'hello')).toBe('+OK\r\n');
      expect(await redisCommand(server.port, 'GET', 'greeting')).toBe('$5\r\nhello\r\n');
    } finally {
      await server.stop();
    }
    await expectGone(server, tree);
  });

  it('fails with the server name and its log when the requested port is taken', async () => {
    const port = await getFreePort();
    // Close accepted sockets at once: an unread socket never sees the client's FIN,
    // and server.close() would wait for it forever.
    const blocker = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const error: unknown = await startRedis({ port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect((error as ServerError).server).toBe('redis');
      expect((error as Error).message).toMatch(/^\[test-servers\] redis: /);
      expect((error as Error).message).toMatch(/address already in use/i);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('returns QUIESCE_REDIS_URL instead of starting a server', async () => {
    const previous = process.env.QUIESCE_REDIS_URL;
    process.env.QUIESCE_REDIS_URL = 'redis://127.0.0.1:6390';
    try {
      const server = await startRedis();
      expect(server).toMatchObject({ host: '127.0.0.1', port: 6390, url: 'redis://127.0.0.1:6390', pid: undefined, external: true });
      await server.stop();
    } finally {
      if (previous === undefined) delete process.env.QUIESCE_REDIS_URL;
      else process.env.QUIESCE_REDIS_URL = previous;
    }
  });
});

describe('startRabbitMQ', SLOW, () => {
  it('lets guest publish and consume from loopback and leaves no Erlang process behind', async () => {
    const server = await startRabbitMQ();
    const tree = treeOf(server);
    try {
      expect(server.url).toBe(`amqp://guest:guest@127.0.0.1:${server.port}`);
      expect(await probeAmqp(server.port)).toBe(true);
      // beam.smp, epmd-less (ours is a sibling), erl_child_setup...: the VM really runs under us.
      expect(tree.length).toBeGreaterThan(1);

      const connection = await amqpConnect(server.url);
      const channel = await connection.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      channel.sendToQueue(queue, Buffer.from('ping'));
      const message = await new Promise<string>((resolve) => {
        void channel.consume(queue, (msg) => {
          if (msg) {
            channel.ack(msg);
            resolve(msg.content.toString());
          }
        });
      });
      expect(message).toBe('ping');
      await connection.close();
    } finally {
      await server.stop();
    }
    await expectGone(server, tree);
  });
});

describe('startAllServers', SLOW, () => {
  it('starts all three in parallel and stops them all', async () => {
    const servers = await startAllServers();
    expect(Object.keys(servers).sort()).toEqual(['amqp', 'pg', 'redis', 'stop']);
    const trees = [servers.pg, servers.redis, servers.amqp].map((s) => [s, treeOf(s)] as const);
    try {
      expect(await probeRedis(servers.redis.port)).toBe(true);
      expect(await probeAmqp(servers.amqp.port)).toBe(true);
      const client = new pg.Client({ connectionString: servers.pg.url });
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();
    } finally {
      await servers.stop();
    }
    for (const [server, tree] of trees) await expectGone(server, tree);
  });
});
