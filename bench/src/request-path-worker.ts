import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import { promisify } from 'node:util';
import { LifecycleContainer, type InFlight } from '@quiesce/core';
import { httpServer } from '@quiesce/http';
import { pgPool } from '@quiesce/pg';
import { amqpConnection, amqpConsumer, amqpPublisher, type AmqpConsumer } from '@quiesce/amqp';
import { createHttpTerminator } from 'http-terminator';
import stoppable from 'stoppable';
import pg from 'pg';
import type { Pool } from 'pg';
import amqplib, { type Channel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { serve } from './request-path-ipc.js';

/**
 * One variant of the request-path bench, in a process of its own (so no variant's JIT state,
 * heap or listeners leak into another's numbers), wired the way a user wires it:
 *
 *   node request-path-worker.js http bare|quiesce|http-terminator|stoppable
 *     an HTTP server answering `200 ok`; the load comes from request-path-load.js (another process).
 *     'mark' → { cpuUs, requests }: this process's CPU time and the requests it has answered.
 *   node request-path-worker.js pg raw|quiesce <url>
 *     a pg.Pool of POOL_MAX; 'run' { warmMs, ms, concurrency } → `SELECT $1::int` from
 *     `concurrency` loops for warmMs + ms, those completed in the last ms counted.
 *   node request-path-worker.js amqp raw|quiesce <url>
 *     a confirm channel publishing and a consumer (prefetch) acking on one connection;
 *     'run' { warmMs, ms, window } → publish without end (at most `window` unconfirmed) for
 *     warmMs + ms; the messages handled (acked) in the last ms are counted; then every message
 *     sent is confirmed and handled before the reply.
 * 'stop' stops it with the variant's own stop (quiesce: app.shutdown(), which must report ok).
 */

const [kind, name, url] = process.argv.slice(2) as [string, string, string | undefined];
const SHUTDOWN_MS = 10_000;
/**
 * `quiesce:origins-off` is quiesce with the container option `handleOrigins: 'off'`: the same
 * wiring without the AsyncLocalStorage that attributes handles to nodes while start and stop run
 * (on Node 20 and 22 its first run() leaves an async hook on for the life of the process).
 */
const originsOff = name.endsWith(':origins-off');
const variant = originsOff ? name.slice(0, -':origins-off'.length) : name;
const containerOptions = { shutdownTimeoutMs: 3 * SHUTDOWN_MS, ...(originsOff ? { handleOrigins: 'off' as const } : {}) };

type Handler = (message: { cmd: string; [key: string]: unknown }) => Promise<Record<string, unknown>>;

// ---------------------------------------------------------------- attribution (request-path-why)
//
// 'toggle' { what, phases, phaseMs }, quiesce variants only: while the process is under load,
// switch one piece of quiesce's request path off and on in phases (on off off on …, 10 ms to
// settle after each switch), and return the CPU per request/query/message of each phase. Both
// sides run in the same process, heap and connections, a few hundred ms apart, so what the rest
// of the machine does lands on both alike.
//   'als'     the AsyncLocalStorage core's handle origins ran hooks in: disable() / re-enable it
//             if it was enabled (recorded through AsyncLocalStorage.prototype.run; nothing else
//             calls run here; core disables it after each phase, so normally both sides are off);
//   'tracker' http: the server's emit wrappers (ConnectionTracker and the late-arrivals count) removed / restored;
//             pg: the gated pool.connect removed / restored (pg-pool's own connect underneath);
//             amqp: the consumer's delivery callback swapped for the raw variant's (handler, then
//             ack) and the publish for one without InFlight.

const stores = new Set<AsyncLocalStorage<unknown>>();
const originalRun = AsyncLocalStorage.prototype.run;
AsyncLocalStorage.prototype.run = function run(this: AsyncLocalStorage<unknown>, ...args: Parameters<typeof originalRun>) {
  stores.add(this);
  return originalRun.apply(this, args);
} as typeof originalRun;

type Toggle = (on: boolean) => void;
const alsWasOn = new Map<AsyncLocalStorage<unknown>, boolean>();
const toggles = new Map<string, Toggle>([
  [
    'als',
    (on) => {
      // "On" is the state the store was in when first switched: core disables its storage after
      // each phase, so a store that is off already stays off (the row then shows no difference).
      for (const store of stores) {
        const s = store as unknown as { enabled: boolean; _enable(): void };
        if (!alsWasOn.has(store)) alsWasOn.set(store, s.enabled);
        if (on && alsWasOn.get(store)) s._enable();
        else if (!on) store.disable();
      }
    },
  ],
]);

async function alternate(what: string, phases: number, phaseMs: number, count: () => number): Promise<{ on: number[]; off: number[] }> {
  const toggle = toggles.get(what);
  if (!toggle) throw new Error(`${kind} ${name}: no toggle ${what}`);
  if (what === 'als' && stores.size === 0) throw new Error(`${kind} ${name}: no AsyncLocalStorage was run`);
  const on: number[] = [];
  const off: number[] = [];
  try {
    for (let k = 0; k < phases; k++) {
      const state = k % 4 === 0 || k % 4 === 3;
      toggle(state);
      await new Promise((r) => setTimeout(r, 10));
      const cpu = cpuUs();
      const ops = count();
      await new Promise((r) => setTimeout(r, phaseMs));
      (state ? on : off).push((cpuUs() - cpu) / (count() - ops));
    }
  } finally {
    toggle(true);
  }
  return { on, off };
}

const cpuUs = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function shutdownOk(app: LifecycleContainer): Promise<void> {
  const report = await app.shutdown();
  if (!report.ok) throw new Error(`quiesce shutdown not ok:\n${report.toTable()}`);
}

// ---------------------------------------------------------------- http

async function httpVariant(): Promise<Handler> {
  let requests = 0;
  const server = http.createServer((_req, res) => {
    requests++;
    res.end('ok');
  });
  let stop: () => Promise<unknown>;
  const listenPlain = (): Promise<void> => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  switch (variant) {
    case 'bare':
      await listenPlain();
      stop = () => {
        const closed = promisify(server.close.bind(server))();
        server.closeIdleConnections();
        return closed;
      };
      break;
    case 'quiesce': {
      // As the README wires it for Kubernetes: readiness/liveness probes, a drain delay.
      const app = new LifecycleContainer({ ...containerOptions, drainDelayMs: 100 });
      app.resource('http', httpServer({ server, port: 0, probes: { readiness: '/readyz', liveness: '/livez', health: app }, stopTimeoutMs: SHUTDOWN_MS / 2 }));
      await app.start();
      const tracked = server.emit;
      toggles.set('tracker', (on) => {
        if (on) server.emit = tracked;
        else delete (server as { emit?: unknown }).emit;
      });
      stop = () => shutdownOk(app);
      break;
    }
    case 'http-terminator': {
      await listenPlain();
      const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: SHUTDOWN_MS / 2 });
      stop = () => terminator.terminate();
      break;
    }
    case 'stoppable': {
      const s = stoppable(server, SHUTDOWN_MS / 2);
      await listenPlain();
      stop = promisify(s.stop.bind(s));
      break;
    }
    default:
      throw new Error(`unknown http variant ${variant}`);
  }
  const port = (server.address() as { port: number }).port;
  return async ({ cmd, what, phases, phaseMs }) => {
    if (cmd === 'ready') return { port };
    if (cmd === 'mark') return { cpuUs: cpuUs(), requests };
    if (cmd === 'toggle') return alternate(what as string, phases as number, phaseMs as number, () => requests);
    if (cmd === 'stop') return await stop(), {};
    throw new Error(`http worker: unknown command ${cmd}`);
  };
}

// ---------------------------------------------------------------- pg

const POOL_MAX = 10;

async function pgVariant(): Promise<Handler> {
  let pool: Pool;
  let stop: () => Promise<unknown>;
  if (variant === 'raw') {
    pool = new pg.Pool({ connectionString: url, max: POOL_MAX });
    pool.on('error', () => {});
    await pool.query('SELECT 1');
    stop = () => pool.end();
  } else if (variant === 'quiesce') {
    const app = new LifecycleContainer(containerOptions);
    app.resource<Pool>('db', pgPool({ name: 'db', config: { connectionString: url, max: POOL_MAX } }));
    await app.start();
    pool = app.get<Pool>('db');
    const gated = pool.connect;
    toggles.set('tracker', (on) => {
      if (on) pool.connect = gated;
      else delete (pool as { connect?: unknown }).connect;
    });
    stop = () => shutdownOk(app);
  } else throw new Error(`unknown pg variant ${variant}`);

  return async ({ cmd, warmMs, ms, concurrency, what, phases, phaseMs }) => {
    if (cmd === 'ready') return {};
    if (cmd === 'stop') return await stop(), {};
    if (cmd === 'toggle') {
      let ops = 0;
      let running = true;
      const loop = async (k: number): Promise<void> => {
        while (running) {
          await pool.query('SELECT $1::int', [k]);
          ops++;
        }
      };
      const loops = Promise.all(Array.from({ length: concurrency as number }, (_, k) => loop(k)));
      try {
        await new Promise((r) => setTimeout(r, 300));
        return await alternate(what as string, phases as number, phaseMs as number, () => ops);
      } finally {
        running = false;
        await loops;
      }
    }
    if (cmd !== 'run') throw new Error(`pg worker: unknown command ${cmd}`);
    // The loops run through warmMs + ms; what completes in the last ms is counted, with the CPU
    // this process spent meanwhile.
    let ops = 0;
    let counting = false;
    const end = performance.now() + (warmMs as number) + (ms as number);
    const loop = async (k: number): Promise<void> => {
      while (performance.now() < end) {
        const { rows } = await pool.query<{ int4: number }>('SELECT $1::int', [k]);
        if (rows[0]?.int4 !== k) throw new Error(`pg: SELECT $1::int answered ${JSON.stringify(rows)}`);
        if (counting) ops++;
      }
    };
    const loops = Promise.all(Array.from({ length: concurrency as number }, (_, k) => loop(k)));
    await new Promise((r) => setTimeout(r, warmMs as number));
    counting = true;
    const began = performance.now();
    const cpuBefore = cpuUs();
    await new Promise((r) => setTimeout(r, Math.max(0, end - began)));
    counting = false;
    const elapsedMs = performance.now() - began;
    const cpu = cpuUs() - cpuBefore;
    await loops;
    return { ops, elapsedMs, cpuUs: cpu };
  };
}

// ---------------------------------------------------------------- amqp

const PREFETCH = 50;
const BODY = Buffer.alloc(100, 'x');

async function amqpVariant(): Promise<Handler> {
  const queue = `bench-request-path-${variant}-${process.pid}`;
  const queueOptions = { durable: false, exclusive: true };
  let handled = 0;
  // The handler every variant runs: count.
  const handler = async (_msg: ConsumeMessage): Promise<void> => {
    handled++;
  };
  let publisher: ConfirmChannel;
  /** Publish one message; `confirmed` runs on the broker's ack. */
  let publish: (confirmed: (err: unknown) => void) => void;
  let stop: () => Promise<unknown>;

  if (variant === 'raw') {
    const connection = await amqplib.connect(url!);
    connection.on('error', () => {});
    publisher = await connection.createConfirmChannel();
    const consumer: Channel = await connection.createChannel();
    await consumer.assertQueue(queue, queueOptions);
    await consumer.prefetch(PREFETCH);
    // What the adapter does for each delivery, written by hand: run the handler, ack, or nack on failure.
    const { consumerTag } = await consumer.consume(
      queue,
      async (msg) => {
        if (msg === null) return;
        try {
          await handler(msg);
          consumer.ack(msg);
        } catch {
          consumer.nack(msg, false, true);
        }
      },
      { noAck: false },
    );
    publish = (confirmed) => void publisher.publish('', queue, BODY, {}, confirmed);
    stop = async () => {
      await consumer.cancel(consumerTag);
      await publisher.waitForConfirms();
      await connection.close();
    };
  } else if (variant === 'quiesce') {
    const app = new LifecycleContainer(containerOptions);
    app.resource('amqp', amqpConnection({ config: url }));
    app.resource('publisher', amqpPublisher({ connectionToken: 'amqp' }));
    app.resource('consumer', amqpConsumer({ connectionToken: 'amqp', queue, assertQueue: queueOptions, prefetch: PREFETCH, handler }));
    await app.start();
    publisher = app.get<ConfirmChannel>('publisher');
    const inFlight: InFlight = app.inFlight('publisher');
    // As the publisher's README says: track() before publish, done() in its confirm callback.
    const tracked = (confirmed: (err: unknown) => void): void => {
      const done = inFlight.track();
      publisher.publish('', queue, BODY, {}, (err) => {
        done();
        confirmed(err);
      });
    };
    const plain = (confirmed: (err: unknown) => void): void => void publisher.publish('', queue, BODY, {}, confirmed);
    publish = tracked;
    // The toggle swaps the consumer's delivery callback in amqplib's channel (its `consumers` map,
    // amqplib 0.10–2.x) for the raw variant's, and the publish for one without InFlight.
    const consumer = app.get<AmqpConsumer>('consumer');
    const channel = consumer.channel as unknown as { consumers: Map<string, (msg: ConsumeMessage | null) => void> };
    const adapterDelivery = channel.consumers.get(consumer.consumerTag!)!;
    const rawDelivery = async (msg: ConsumeMessage | null): Promise<void> => {
      if (msg === null) return;
      try {
        await handler(msg);
        consumer.channel!.ack(msg);
      } catch {
        consumer.channel!.nack(msg, false, true);
      }
    };
    toggles.set('tracker', (on) => {
      channel.consumers.set(consumer.consumerTag!, on ? adapterDelivery : (msg) => void rawDelivery(msg));
      publish = on ? tracked : plain;
    });
    stop = () => shutdownOk(app);
  } else throw new Error(`unknown amqp variant ${variant}`);

  /**
   * Publish without end (at most `window` unconfirmed) while `during` runs, then stop publishing
   * and wait until every message sent is confirmed and handled, so that none is left over.
   */
  const publishing = async <T>(window: number, during: () => Promise<T>): Promise<T> => {
    let running = true;
    let outstanding = 0;
    let sent = 0;
    let failed: unknown;
    const counted = handled;
    const confirm = (err: unknown): void => {
      outstanding--;
      if (err) failed ??= err;
      else if (running) send();
    };
    const send = (): void => {
      outstanding++;
      sent++;
      publish(confirm);
    };
    for (let k = 0; k < window; k++) send();
    try {
      return await during();
    } finally {
      running = false;
      const limit = performance.now() + 10_000;
      while ((outstanding > 0 || handled - counted < sent) && performance.now() < limit) await new Promise((r) => setTimeout(r, 5));
      if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
      if (outstanding > 0 || handled - counted < sent) throw new Error(`amqp: ${outstanding} unconfirmed, ${sent - (handled - counted)} unhandled 10 s after publishing stopped`);
    }
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  return async ({ cmd, warmMs, ms, window, what, phases, phaseMs }) => {
    if (cmd === 'ready') return {};
    if (cmd === 'stop') return await stop(), {};
    if (cmd === 'toggle') {
      return publishing(window as number, async () => {
        await sleep(300);
        return alternate(what as string, phases as number, phaseMs as number, () => handled);
      });
    }
    if (cmd !== 'run') throw new Error(`amqp worker: unknown command ${cmd}`);
    // Messages handled (acked) in the last `ms` of warmMs + ms of steady publishing, and the CPU meanwhile.
    return publishing(window as number, async () => {
      await sleep(warmMs as number);
      const began = performance.now();
      const cpuBefore = cpuUs();
      const before = handled;
      await sleep(ms as number);
      return { ops: handled - before, elapsedMs: performance.now() - began, cpuUs: cpuUs() - cpuBefore };
    });
  };
}

const handle = kind === 'http' ? await httpVariant() : kind === 'pg' ? await pgVariant() : kind === 'amqp' ? await amqpVariant() : undefined;
if (!handle) throw new Error(`unknown kind ${kind}`);
serve(handle);
