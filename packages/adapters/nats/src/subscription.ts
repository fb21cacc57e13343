import { type HookContext, type ResourceDefinition } from '@quiesce/core';
import { forceAt, parseOptions } from '@quiesce/core/kit';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { NatsDrainUnconfirmedError, NatsHandlersAbandonedError } from './errors.js';
import { FORCE_RESERVE_MS } from './force.js';
import { natsSubscriptionOptionsSchema, type MsgHandler, type NatsSubscriptionOptions } from './options.js';

/**
 * One subscription and the handlers it started. Core NATS delivers each message once and never
 * again: a message the client received is only safe once its handler finished, so the stop waits
 * for every handler, not just for the subscription's drain.
 */
export class NatsSubscriber {
  subscription: Subscription | undefined;
  /** Messages the server delivered to this subscription. */
  received = 0;
  /** Handlers that finished (resolved or rejected). */
  settled = 0;
  /** Handlers that rejected or threw. */
  failed = 0;
  readonly #running = new Set<Promise<void>>();
  readonly #abort = new AbortController();

  constructor(
    readonly connection: NatsConnection,
    readonly subject: string,
    readonly queue: string | undefined,
    readonly handler: MsgHandler,
  ) {}

  /** The node's name, for the warnings this subscription emits (set at start). */
  #node = 'nats subscription';

  start(node: string): void {
    this.#node = node;
    this.subscription = this.connection.subscribe(this.subject, {
      queue: this.queue,
      // The callback form: nats.js dispatches each message as it is parsed, so by the time the
      // subscription's drain resolves every message the server sent it has reached `handle`.
      callback: (error: Error | null, msg: Msg) => {
        if (!error) this.#handle(msg);
      },
    });
  }

  #handle(msg: Msg): void {
    this.received++;
    const signal = this.#abort.signal;
    const run: Promise<void> = (async () => {
      try {
        await this.handler(msg, { signal });
      } catch (error) {
        this.failed++;
        process.emitWarning(`${this.#node}: nats subscription "${this.subject}": handler failed: ${(error as Error)?.message ?? String(error)}`, 'QuiesceNatsWarning');
      }
    })().finally(() => {
      this.settled++;
      this.#running.delete(run);
    });
    this.#running.add(run);
  }

  /** Handlers still running: what core's report shows when the stop time is up. */
  pending(): string | undefined {
    const n = this.#running.size;
    return n > 0 ? `${n} handler${n === 1 ? '' : 's'} still running` : undefined;
  }

  async stop(ctx: HookContext): Promise<void> {
    const sub = this.subscription;
    if (!sub) return;
    const force = forceAt(ctx, FORCE_RESERVE_MS);
    try {
      // A closed connection (server gone) rejects the drain: the handlers already started still count.
      let confirmed = true;
      if (!sub.isClosed()) {
        confirmed = await Promise.race([sub.drain().then(() => true, () => true), force.reached.then(() => false)]);
      }
      while (this.#running.size > 0) {
        const reached = await Promise.race([Promise.allSettled([...this.#running]).then(() => false), force.reached.then(() => true)]);
        if (reached) break;
      }
      if (this.#running.size > 0) {
        this.#abort.abort(new NatsHandlersAbandonedError(ctx.name, this.subject, this.#running.size));
        if (!sub.isClosed()) sub.unsubscribe();
        throw this.#abort.signal.reason as Error;
      }
      if (!confirmed) throw new NatsDrainUnconfirmedError(ctx.name, this.subject);
    } finally {
      force.cancel();
    }
  }
}

/**
 * A subscription as a lifecycle resource, depending on its connection's node (it stops first, so
 * handlers can still publish replies): `app.resource('orders', natsSubscription({ connectionToken: Nats,
 * subject: 'orders.*', handler }))`. Stop drains the subscription (UNSUB, then a flush: every
 * message sent before it has been dispatched) and waits for the handlers; at the force reserve
 * their signal aborts and the node fails with NatsHandlersAbandonedError.
 */
export function natsSubscription(options: NatsSubscriptionOptions): ResourceDefinition<NatsSubscriber> {
  const { connectionToken, connection: _renamed, subject, queue, handler, dependsOn: _d, ...lifecycle } = parseOptions(natsSubscriptionOptionsSchema, options, 'natsSubscription');
  return {
    ...lifecycle,
    dependsOn: [connectionToken, ...(options.dependsOn ?? [])],
    create: ({ get }) => new NatsSubscriber(get(options.connectionToken), subject, queue, handler),
    start: (s, ctx) => s.start(ctx.name),
    stop: (s, ctx) => s.stop(ctx),
  };
}
