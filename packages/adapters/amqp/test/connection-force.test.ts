import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import type { ChannelModel } from 'amqplib';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { amqpConnection } from '../src/index.js';
import { until } from './helpers.js';
import { inject } from 'vitest';

/** A loopback TCP relay to the real RabbitMQ that can be frozen: the broker's replies stop reaching the client. */
class FreezableRelay {
  readonly server: Server;
  readonly clients: Socket[] = [];
  readonly upstreams: Socket[] = [];
  clientClosed = false;

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = createConnection(target.port, target.host);
      this.clients.push(client);
      this.upstreams.push(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => {
        this.clientClosed = true;
        upstream.destroy();
      });
      client.on('error', () => {});
      upstream.on('error', () => {});
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `amqp://guest:guest@127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  freeze(): void {
    for (const upstream of this.upstreams) upstream.unpipe().pause();
  }

  async close(): Promise<void> {
    for (const s of [...this.clients, ...this.upstreams]) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let relay: FreezableRelay | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

describe('amqpConnection force path', () => {
  it('a broker that never answers Connection.Close: timedOut at stopTimeoutMs, the socket is destroyed', async () => {
    const before = activeHandles();
    const { host, port } = inject('servers').amqp;
    relay = new FreezableRelay({ host, port });
    const url = await relay.listen();
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ config: url, stopTimeoutMs: 300 }));
    await app.start();
    const conn = app.get<ChannelModel>('amqp');
    let closeEvent = false;
    conn.on('close', () => (closeEvent = true));
    // The connection really works through the relay before we freeze it.
    const ch = await conn.createChannel();
    await ch.checkExchange('amq.direct');

    relay.freeze();
    const report = await app.shutdown();
    const node = report.node('amqp')!;
    expect(node.status).toBe('timedOut');
    expect(node.durationMs!).toBeGreaterThanOrEqual(250);
    expect(node.durationMs!).toBeLessThan(2_000);
    // Nothing is left open: the relay sees our socket go, amqplib reports the connection closed.
    await until(() => relay!.clientClosed && closeEvent, 2_000, 'socket destroyed');
    // Once the test's own relay (its server and both ends of each pipe) is closed, nothing of amqplib's is left.
    await relay.close();
    relay = undefined;
    expect(await leftoverHandles(before)).toEqual({});
  });
});
