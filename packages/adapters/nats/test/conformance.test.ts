import { LifecycleContainer } from '@quiesce/core';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { startNats, type NatsServer } from '@quiesce/test-servers';
import { conformance } from '@quiesce/test-servers/conformance';
import { natsConnection, natsSubscription } from '../src/index.js';

/**
 * The adapter contract (issue #27) for a subscription: one unit of work is a request from outside
 * the app (a connection of its own) that the subscription's handler answers after `ms`, through
 * the app's connection (it stops after the subscription): the reply is the proof it was handled.
 */
interface Held {
  /** The outside world's connection. */
  outside: NatsConnection;
  subject: string;
  /** Messages handed to the handler. */
  arrived: number;
}

const Nats = Symbol('nats');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let n = 0;

async function request(held: Held, body: { ms?: number; hang?: true }, timeout: number): Promise<{ done?: number; cut?: true }> {
  const reply = await held.outside.request(held.subject, JSON.stringify(body), { timeout });
  return reply.json<{ done?: number; cut?: true }>();
}

conformance<Held, NatsServer>({
  adapter: 'nats',
  node: 'orders',
  startServer: () => startNats({ useEnv: false }),
  startApp: async (server, { stopTimeoutMs, shutdownTimeoutMs }) => {
    const outside = await connect({ servers: server.url });
    const held: Held = { outside, subject: `conformance.${++n}`, arrived: 0 };
    const app = new LifecycleContainer({ shutdownTimeoutMs });
    app.resource(Nats, natsConnection({ name: 'nats', stopTimeoutMs, create: () => connect({ servers: server.url }) }));
    app.resource(
      'orders',
      natsSubscription({
        name: 'orders',
        connectionToken: Nats,
        subject: held.subject,
        stopTimeoutMs,
        handler: async (msg, { signal }) => {
          held.arrived++;
          const { ms, hang } = msg.json<{ ms?: number; hang?: true }>();
          if (hang) {
            // Never ends by itself; the force path aborts its signal: it tells the requester it was cut.
            await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
            msg.respond(JSON.stringify({ cut: true }));
            return;
          }
          await sleep(ms ?? 0);
          msg.respond(JSON.stringify({ done: ms }));
        },
      }),
    );
    try {
      await app.start();
    } catch (error) {
      await outside.close();
      throw error;
    }
    return { app, resource: held, close: () => outside.close().catch(() => {}) };
  },
  work: (held, _server, ms) => request(held, { ms }, ms + 3_000),
  completed: (reply) => typeof (reply as { done?: unknown }).done === 'number',
  hang: (held) => request(held, { hang: true }, 60_000),
  // Once the subscription's stop began (UNSUB sent), nobody answers the subject: the server says "no responders" (503).
  tryNew: (held) => request(held, { ms: 0 }, 1_500),
  reached: async (held, _server, count) => {
    for (const end = Date.now() + 10_000; held.arrived < count; await sleep(5)) if (Date.now() > end) throw new Error(`${count} messages not handled within 10 s`);
  },
  badOptions: [
    { options: () => natsConnection({}), field: 'connection' },
    { options: () => natsConnection({ create: () => Promise.reject(new Error('x')), stopTimeoutMs: -1 }), field: 'stopTimeoutMs' },
    { options: () => natsSubscription({ connectionToken: Nats, subject: 'a b', handler: () => {} }), field: 'subject' },
    { options: () => natsSubscription({ connectionToken: Nats, subject: 'a', queue: '', handler: () => {} }), field: 'queue' },
    { options: () => natsSubscription({ connectionToken: Nats, subject: 'a' } as never), field: 'handler' },
  ],
});
