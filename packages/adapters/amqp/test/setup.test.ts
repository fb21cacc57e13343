import { InvalidOptionsError, LifecycleContainer, StartError } from '@quiesce/core';
import { ConnectionsLostError } from '@quiesce/core/kit';
import { activeHandles, invalidOptions, leftoverHandles } from '@quiesce/test-servers';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { createServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AmqpConnectionLostError, amqpConnection, amqpConsumer, amqpModule, amqpPublisher, type AmqpConsumer } from '../src/index.js';
import { amqpUrl, brokerPerTest, until } from './helpers.js';

const broker = brokerPerTest();

function fieldsOf(fn: () => unknown): string[] {
  return invalidOptions(fn).issues.map((i) => i.field);
}

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('options', () => {
  it('amqpConnection: names the bad field', () => {
    expect(fieldsOf(() => amqpConnection({}))).toEqual(['connection']);
    expect(fieldsOf(() => amqpConnection({ config: 'http://localhost' }))).toEqual(['config']);
    expect(fieldsOf(() => amqpConnection({ config: 'amqp://x', stopTimeoutMs: -5 }))).toEqual(['stopTimeoutMs']);
    expect(fieldsOf(() => amqpConnection({ config: 'amqp://x', bogus: 1 } as never))).toEqual(['bogus']);
    expect(fieldsOf(() => amqpConnection({ connection: {} as ChannelModel }))).toContain('connection');
    expect(fieldsOf(() => amqpConnection({ config: 'amqp://x', socketOptions: 'fast' as never }))).toEqual(['socketOptions']);
    expect(() => amqpConnection({ config: 'amqp://x', socketOptions: { noDelay: true } })).not.toThrow();
  });

  it('amqpConsumer: names every bad field, including noAck in consumeOptions', () => {
    const bad = fieldsOf(() =>
      amqpConsumer({ connectionToken: 42 as never, queue: '', handler: 'nope' as never, prefetch: 0, consumeOptions: { noAck: true } as never }),
    );
    expect(bad.sort()).toEqual(['connectionToken', 'consumeOptions.noAck', 'handler', 'prefetch', 'queue']);
    expect(() => amqpConsumer({ connectionToken: 'amqp', queue: 'q', handler: async () => {}, policy: 'sometimes' as never })).toThrow(
      /amqpConsumer\(q\).*policy/,
    );
  });
});

// #27: the 0.x names are refused saying the new one; `connection` was a token on a consumer and an
// instance on a connection, the same word for two things.
describe('renamed options', () => {
  const issuesOf = (build: () => unknown) => invalidOptions(build).issues;

  it.each([
    ['amqpConnection', 'url', 'config', () => amqpConnection({ url: 'amqp://127.0.0.1' } as never)],
    ['amqpConsumer', 'connection', 'connectionToken', () => amqpConsumer({ connection: 'amqp', queue: 'q', handler: async () => {} } as never)],
    ['amqpPublisher', 'connection', 'connectionToken', () => amqpPublisher({ connection: 'amqp' } as never)],
    ['amqpModule', 'url', 'config', () => amqpModule({ connection: { url: 'amqp://127.0.0.1' } as never })],
  ])('%s refuses `%s`, saying it is now `%s`', (_subject, old, now, build) => {
    expect(issuesOf(build)).toContainEqual({ field: old, message: `\`${old}\` was renamed to \`${now}\` in 0.x` });
  });

  it('amqpConnection takes exactly one of `connection` and `config`', () => {
    expect(issuesOf(() => amqpConnection({ connection: { createChannel: () => {} } as never, config: 'amqp://x' }))).toContainEqual({ field: 'config', message: 'cannot be combined with `connection`: give exactly one of them' });
  });

  it("amqpModule: the connection's token defaults to the module's node name", () => {
    const app = new LifecycleContainer();
    app.load(amqpModule({ name: 'bus', connection: { config: 'amqp://127.0.0.1' }, consumers: [{ queue: 'orders', handler: async () => {} }] }));
    expect(app.graph().nodes.map((n) => [n.name, n.dependsOn])).toEqual([
      ['bus', []],
      ['bus.consumer.orders', ['bus']],
    ]);
  });
});

describe('start failures', () => {
  it('an unreachable URL rejects start() with a StartError naming the connection node', async () => {
    const port = await closedPort();
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ config: `amqp://guest:guest@127.0.0.1:${port}` }));
    app.resource('consumer', amqpConsumer({ connectionToken: 'amqp', queue: 'never', handler: async () => {} }));
    const error = await app.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).node).toBe('amqp');
    expect((error as StartError).message).toMatch(/ECONNREFUSED/);
    expect(app.health().nodes).toEqual({ amqp: 'failed', consumer: 'pending' });
    // The refused connection attempt left no socket or timer behind.
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a consumer on a missing queue fails its start; the (adopted) connection is rolled back and closed', async () => {
    const queue = broker.track(`quiesce-amqp-missing-${Date.now()}`);
    const before = activeHandles();
    const own = await connect(amqpUrl());
    let closed = false;
    own.on('close', () => (closed = true));
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ connection: own }));
    app.resource('consumer', amqpConsumer({ connectionToken: 'amqp', queue, handler: async () => {} }));
    const error = (await app.start().catch((e: unknown) => e)) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect(error.node).toBe('consumer');
    expect(error.message).toMatch(/NOT_FOUND/);
    expect(error.rollback.node('amqp')?.status).toBe('stopped');
    expect(closed).toBe(true);
    await expect(own.createChannel()).rejects.toThrow(/closed/i);
    // The rollback closed the adopted connection: its socket and heartbeat timers are gone.
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('amqpModule and amqpPublisher', () => {
  it('amqpModule registers the connection and its consumers; assertQueue declares the queue', async () => {
    const queue = broker.track(`quiesce-amqp-module-${Date.now()}`);
    const before = activeHandles();
    const seen: string[] = [];
    const app = new LifecycleContainer();
    app.load(
      amqpModule({
        name: 'bus',
        connection: { config: amqpUrl(), stopTimeoutMs: 2_000 },
        consumers: [{ queue, assertQueue: { durable: false }, prefetch: 2, handler: async (msg) => void seen.push(msg.content.toString()) }],
      }),
    );
    const order: string[] = [];
    app.on('stopped', (e) => order.push(e.node));
    await app.start();
    await broker.publish(queue, ['a', 'b', 'c']);
    await until(() => seen.length === 3, 5_000, 'three messages');
    const consumer = app.get<AmqpConsumer>(`bus.consumer.${queue}`);
    expect(consumer.stats.acked).toBe(3);
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(order).toEqual([`bus.consumer.${queue}`, 'bus']);
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    expect(await broker.ready(queue)).toBe(0);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('amqpModule validates consumers when declared', () => {
    expect(() => amqpModule({ connection: { config: amqpUrl() }, consumers: [{ queue: 'q', handler: async () => {}, prefetch: -1 }] })).toThrow(
      InvalidOptionsError,
    );
  });

  it('amqpPublisher: stop waits for in-flight publishes and their confirms before closing', async () => {
    const before = activeHandles();
    const queue = await broker.queue();
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ config: amqpUrl() }));
    app.resource('pub', amqpPublisher({ connectionToken: 'amqp', stopTimeoutMs: 5_000 }));
    await app.start();
    const channel = app.get<ConfirmChannel>('pub');
    const work = app.inFlight('pub');
    const confirmed: string[] = [];
    const N = 500;
    for (let i = 0; i < N; i++) {
      const done = work.track();
      channel.sendToQueue(queue, Buffer.from(String(i)), { messageId: `p-${i}` }, (err) => {
        if (err === null) confirmed.push(`p-${i}`);
        done();
      });
    }
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('pub')!.status).toBe('stopped');
    expect(confirmed).toHaveLength(N);
    expect(await broker.ready(queue)).toBe(N);
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('amqpPublisher force path', () => {
  it('a publish that never completes: the node times out and its channel is closed anyway', async () => {
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource('amqp', amqpConnection({ config: amqpUrl() }));
    app.resource('pub', amqpPublisher({ connectionToken: 'amqp', stopTimeoutMs: 200 }));
    // Holds the connection open for 1.5 s, so only the publisher's own force path can close its channel early.
    app.resource('holder', { value: 1, dependsOn: ['amqp'], stop: () => new Promise((r) => setTimeout(r, 1_500)) });
    let connectionStopping = false;
    app.on('stopping', (e) => (connectionStopping ||= e.node === 'amqp'));
    await app.start();
    const channel = app.get<ConfirmChannel>('pub');
    let closed = false;
    channel.once('close', () => (closed = true));
    app.inFlight('pub').track(); // a publish whose confirm never arrives: the drain cannot finish
    const stopping = app.shutdown();
    await until(() => closed, 1_200, 'publisher channel closed by its force path');
    expect(connectionStopping).toBe(false);
    const report = await stopping;
    expect(report.node('pub')?.status).toBe('timedOut');
    expect(report.node('amqp')?.status).toBe('stopped');
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('errors name the node', () => {
  it('two connections lost during shutdown: each fails with AmqpConnectionLostError naming its own node (message and error.node)', async () => {
    const before = activeHandles();
    const app = new LifecycleContainer();
    const nodes = ['orders-amqp', 'audit-amqp'];
    for (const node of nodes) app.resource(node, amqpConnection({ config: amqpUrl() }));
    // Stops first (it depends on both): cuts both sockets under their connections, as a network fault mid-shutdown would.
    app.resource('cut', {
      value: 1,
      dependsOn: nodes,
      stop: () =>
        Promise.all(
          nodes.map((node) => {
            const conn = app.get<ChannelModel>(node);
            const closed = new Promise((resolve) => conn.once('close', resolve));
            (conn.connection as unknown as { stream: Duplex }).stream.destroy(new Error(`${node} cut by the test`));
            return closed;
          }),
        ),
    });
    const thrown = new Map<string, unknown>();
    app.on('failed', (e) => thrown.set(e.node, e.error));
    await app.start();
    const report = await app.shutdown();
    expect(report.node('cut')!.status).toBe('stopped');
    for (const node of nodes) {
      expect(report.node(node)).toMatchObject({
        status: 'failed',
        error: { name: 'AmqpConnectionLostError', code: 'QUIESCE_AMQP_CONNECTION_LOST', message: expect.stringMatching(new RegExp(`^${node}: amqp connection: 1 connection was lost before the node closed it \\(.*${node} cut by the test`)) },
      });
      const error = thrown.get(node);
      expect(error).toBeInstanceOf(AmqpConnectionLostError);
      expect(error).toBeInstanceOf(ConnectionsLostError);
      expect(error).toMatchObject({ node, lost: 1 });
    }
    expect(await leftoverHandles(before)).toEqual({});
  });
});
