import { LifecycleContainer } from '@quiesce/core';
import { connect } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { activeHandles, leftoverHandles, socketsTo, waitFor, watchProcessErrors } from '@quiesce/test-servers';
import { describe, expect, inject, it } from 'vitest';
import { NatsHandlersAbandonedError, natsConnection, natsSubscription, type NatsSubscriber } from '../src/index.js';

const server = () => inject('servers').nats;
const Nats = Symbol('nats');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unique = (prefix: string) => `${prefix}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

describe('natsSubscription + natsConnection: drain against a real nats-server', () => {
  it('no message lost between a publisher and a draining subscriber: every message the server delivered is handled to the end, each once, before the connection closes', async () => {
    const before = activeHandles();
    const errors = watchProcessErrors();
    const subject = unique('orders');
    const handled: number[] = [];
    let replies = 0;
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource(Nats, natsConnection({ name: 'nats', create: () => connect({ servers: server().url }) }));
    app.resource('orders', natsSubscription({
      name: 'orders',
      connectionToken: Nats,
      subject,
      handler: async (msg: Msg) => {
        await sleep(5 + (Number(msg.string()) % 5)); // slow enough that many are in flight at shutdown
        handled.push(Number(msg.string()));
        // A handler may still publish (its reply) while it drains: the connection stops after it.
        app.get<NatsConnection>(Nats).publish(`${subject}.done`, msg.data);
      },
    }));
    await app.start();
    const subscriber = app.get<NatsSubscriber>('orders');

    // A publisher of its own, and a witness that counts the subscriber's replies.
    const publisher = await connect({ servers: server().url });
    const witness = await connect({ servers: server().url });
    witness.subscribe(`${subject}.done`, { callback: () => void replies++ });
    await witness.flush();
    const TOTAL = 3_000;
    const publishing = (async () => {
      for (let i = 1; i <= TOTAL; i++) {
        publisher.publish(subject, String(i));
        if (i % 100 === 0) await sleep(2); // a stream, not one burst
      }
      await publisher.flush();
    })();
    // Mid-stream, with handlers running (checked right before shutdown: they settle on timers, not in between).
    expect(await waitFor(() => subscriber.received > 300 && subscriber.received - subscriber.settled >= 5, 5_000)).toBeGreaterThanOrEqual(0);
    const runningAtShutdown = subscriber.received - subscriber.settled;
    expect((subscriber as unknown as { pending(): unknown }).pending()).toMatch(/^\d+ handlers? still running$/);

    const report = await app.shutdown();
    await publishing;
    expect(report.ok).toBe(true);
    expect(report.node('orders')).toMatchObject({ status: 'stopped' });
    expect(report.node('nats')).toMatchObject({ status: 'stopped' });
    // The subscription was cut mid-stream, and what it received is exactly what it handled: 1..n,
    // each once (a message dropped from the client's buffer would leave a gap or a short count).
    const n = subscriber.received;
    expect(runningAtShutdown).toBeGreaterThan(0);
    expect(n).toBeLessThan(TOTAL);
    expect(subscriber.failed).toBe(0);
    expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // Every reply published during the drain reached the server before the connection closed.
    expect(await waitFor(() => replies === n, 3_000)).toBeGreaterThanOrEqual(0);
    expect(app.get<NatsConnection>(Nats).isClosed()).toBe(true);
    await publisher.close();
    await witness.close();
    expect(socketsTo(server().port)).toBe(0);
    expect(await leftoverHandles(before, 500)).toEqual({});
    expect(errors.stop()).toEqual([]);
  });

  it('publishes still in the client’s buffer at shutdown are flushed by the drain, none lost', async () => {
    const before = activeHandles();
    const subject = unique('events');
    const witness = await connect({ servers: server().url });
    let seen = 0;
    witness.subscribe(subject, { callback: () => void seen++ });
    await witness.flush();
    const app = new LifecycleContainer();
    app.resource(Nats, natsConnection({ name: 'nats', create: () => connect({ servers: server().url }) }));
    await app.start();
    const nc = app.get<NatsConnection>(Nats);
    const COUNT = 20_000;
    const payload = 'x'.repeat(200); // ~4 MB: more than one socket write
    for (let i = 0; i < COUNT; i++) nc.publish(subject, payload);
    const report = await app.shutdown(); // at once: most of it is still in the client's outbound buffer
    expect(report.node('nats')).toMatchObject({ status: 'stopped' });
    expect(nc.stats().outMsgs).toBe(COUNT);
    expect(await waitFor(() => seen === COUNT, 5_000)).toBeGreaterThanOrEqual(0);
    await witness.close();
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('handlers still running at the force reserve: their signal aborts, the node fails saying how many', async () => {
    const before = activeHandles();
    const subject = unique('stuck');
    const aborted: unknown[] = [];
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource(Nats, natsConnection({ name: 'nats', create: () => connect({ servers: server().url }) }));
    app.resource('stuck', natsSubscription({
      name: 'stuck',
      connectionToken: Nats,
      subject,
      stopTimeoutMs: 1_000,
      handler: (_msg, { signal }) => new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => (aborted.push(signal.reason), resolve()), { once: true });
      }),
    }));
    await app.start();
    const nc = app.get<NatsConnection>(Nats);
    nc.publish(subject, 'a');
    nc.publish(subject, 'b');
    const subscriber = app.get<NatsSubscriber>('stuck');
    expect(await waitFor(() => subscriber.received === 2, 2_000)).toBeGreaterThanOrEqual(0);
    expect(subscriber.pending()).toBe('2 handlers still running');

    const report = await app.shutdown();
    const node = report.node('stuck')!;
    expect(node.status).toBe('failed');
    expect(node.error).toMatchObject({ name: 'NatsHandlersAbandonedError', code: 'QUIESCE_NATS_HANDLERS_ABANDONED' });
    expect(node.error!.message).toBe(`stuck: nats subscription "${subject}": 2 handlers were still running at the force reserve (aborted; core NATS does not redeliver)`);
    expect(node.durationMs!).toBeLessThan(1_000);
    expect(aborted).toHaveLength(2);
    expect(report.node('nats')).toMatchObject({ status: 'stopped' });
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('two subscriptions of one connection abandoning handlers: each error names its own node (message and error.node)', async () => {
    const before = activeHandles();
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource(Nats, natsConnection({ name: 'nats', create: () => connect({ servers: server().url }) }));
    const subjects = { 'orders-sub': unique('orders'), 'audit-sub': unique('audit') };
    for (const [name, subject] of Object.entries(subjects)) {
      app.resource(name, natsSubscription({
        connectionToken: Nats,
        subject,
        stopTimeoutMs: 1_000,
        handler: (_msg, { signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      }));
    }
    const thrown = new Map<string, unknown>();
    app.on('failed', (e) => thrown.set(e.node, e.error));
    await app.start();
    const nc = app.get<NatsConnection>(Nats);
    for (const subject of Object.values(subjects)) nc.publish(subject, 'x');
    expect(await waitFor(() => Object.keys(subjects).every((name) => app.get<NatsSubscriber>(name).received === 1), 2_000)).toBeGreaterThanOrEqual(0);

    const report = await app.shutdown();
    for (const [name, subject] of Object.entries(subjects)) {
      expect(report.node(name)).toMatchObject({
        status: 'failed',
        error: { name: 'NatsHandlersAbandonedError', code: 'QUIESCE_NATS_HANDLERS_ABANDONED', message: `${name}: nats subscription "${subject}": 1 handler was still running at the force reserve (aborted; core NATS does not redeliver)` },
      });
      expect(thrown.get(name)).toBeInstanceOf(NatsHandlersAbandonedError);
      expect(thrown.get(name)).toMatchObject({ node: name, subject, running: 1 });
    }
    expect(report.node('nats')).toMatchObject({ status: 'stopped' });
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a subscription after shutdown began is refused by the client itself (draining), not silently dropped', async () => {
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource(Nats, natsConnection({ name: 'nats', create: () => connect({ servers: server().url }) }));
    await app.start();
    const nc = app.get<NatsConnection>(Nats);
    const shutdown = app.shutdown();
    await sleep(0);
    expect(() => nc.subscribe('late')).toThrow(/draining|closed/i);
    await shutdown;
    expect(await leftoverHandles(before)).toEqual({});
  });
});
