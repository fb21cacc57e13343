import { LifecycleContainer } from '@quiesce/core';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { activeHandles, crash, freeze, leftoverHandles, startNats, thaw, waitFor, watchProcessErrors, type NatsServer } from '@quiesce/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsConnection, natsSubscription, type NatsSubscriber } from '../src/index.js';

// A nats-server of this file's own, the "victim": frozen, then killed. The shared one is never touched.
let victim: NatsServer;
beforeAll(async () => {
  victim = await startNats({ useEnv: false });
});
afterAll(() => victim?.stop());

const Nats = Symbol('nats');

async function startApp(stopTimeoutMs: number) {
  const before = activeHandles();
  const errors = watchProcessErrors();
  const handled: string[] = [];
  const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
  app.resource(Nats, natsConnection({ name: 'nats', stopTimeoutMs, create: () => connect({ servers: victim.url }) }));
  app.resource('sub', natsSubscription({
    name: 'sub',
    connectionToken: Nats,
    subject: 'work',
    stopTimeoutMs,
    handler: async (msg) => {
      await new Promise((r) => setTimeout(r, 300));
      handled.push(msg.string());
    },
  }));
  await app.start();
  return {
    app,
    nc: app.get<NatsConnection>(Nats),
    subscriber: app.get<NatsSubscriber>('sub'),
    handled,
    async expectClean(): Promise<void> {
      expect(await leftoverHandles(before, 500)).toEqual({});
      expect(errors.stop()).toEqual([]);
    },
  };
}

describe('nats adapter under server faults mid-shutdown', () => {
  it('the server freezes (SIGSTOP) mid-drain: handlers that were running still finish; the drain cannot, the connection is closed inside its time and the node fails saying so', async () => {
    const stopTimeoutMs = 1_500;
    const { app, nc, subscriber, handled, expectClean } = await startApp(stopTimeoutMs);
    nc.publish('work', 'a');
    expect(await waitFor(() => subscriber.received === 1, 2_000)).toBeGreaterThanOrEqual(0);
    freeze(victim);
    try {
      const report = await app.shutdown();
      // The subscription's UNSUB+PING is never answered: its force reserve cuts the drain, but the
      // handler it had started finished (300 ms) and is not reported abandoned.
      expect(handled).toEqual(['a']);
      expect(report.node('sub')).toMatchObject({ status: 'failed', error: { name: 'NatsDrainUnconfirmedError', message: expect.stringMatching(/^sub: nats subscription "work": the server did not confirm the drain/) } });
      const conn = report.node('nats')!;
      expect(conn.status).toBe('failed');
      expect(conn.error).toMatchObject({ name: 'NatsForceClosedError', code: 'QUIESCE_NATS_FORCE_CLOSED', message: 'nats: nats connection stop did not finish before its force reserve; 1 connection force-closed; drain did not finish, publishes not yet flushed may be lost' });
      expect(conn.durationMs!).toBeLessThan(stopTimeoutMs);
      expect(nc.isClosed()).toBe(true);
      await expectClean();
    } finally {
      thaw(victim);
    }
  });

  it('the server is killed (SIGKILL) mid-drain: the running handler finishes, the node fails with the lost connection, no reconnect loop is left behind', async () => {
    const { app, nc, subscriber, handled, expectClean } = await startApp(2_000);
    nc.publish('work', 'b');
    expect(await waitFor(() => subscriber.received === 1, 2_000)).toBeGreaterThanOrEqual(0);
    const shutdown = app.shutdown();
    await crash(victim);
    const report = await shutdown;
    expect(handled).toEqual(['b']);
    const conn = report.node('nats')!;
    expect(conn.status).toBe('failed');
    expect(conn.error!.name).toMatch(/^Nats(ForceClosed|ConnectionLost)Error$/);
    expect(conn.error!.message).toMatch(/^nats: nats connection( stop did not finish before its force reserve; 1 connection force-closed|: 1 connection was lost during shutdown)/);
    expect(report.durationMs).toBeLessThan(5_000);
    expect(nc.isClosed()).toBe(true);
    await expectClean();
  });
});
