import { type ResourceDefinition, type ResourceOptions } from '@quiesce/core';
import { onAbort } from '@quiesce/core/kit';
import { ClientWatch, type ClientEvents } from './client-watch.js';
import { RedisConnectionLostError } from './errors.js';

/** What differs between the drivers; the order of the stop and its force path are shared. */
export interface RedisDriver<C> {
  /** Connect if the client is not connected yet, then PING: a wrong URL fails the start, not the first request. */
  open(client: C): Promise<unknown>;
  /** Leave every channel/pattern so nothing is delivered while the node drains. */
  unsubscribeAll(client: C): Promise<unknown>;
  /**
   * Close after every pending reply reached its caller. Resolves false when the connection was down
   * (lost, not re-established): the commands queued for it were rejected instead.
   */
  close(client: C, watch: ClientWatch): Promise<boolean>;
  /** Close the socket now; pending commands are rejected. Idempotent, arms no timer. */
  kill(client: C): void;
}

/**
 * quiesce: unsubscribe → (core waits for the node's in-flight work) → stop: graceful close.
 * The scheduler stops waiting at the node's deadline, so the socket must be killed then, or a
 * BLPOP (or a QUIT queued behind it) keeps the connection and the process alive.
 */
export function redisResource<C extends ClientEvents>(create: () => Promise<C>, lifecycle: ResourceOptions, driver: RedisDriver<C>): ResourceDefinition<C> {
  const orKill = async (client: C, work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      driver.kill(client);
      throw error;
    }
  };
  const watches = new WeakMap<C, ClientWatch>();
  return {
    ...lifecycle,
    create,
    start: async (client, { signal, name }) => {
      const kill = (): void => driver.kill(client);
      signal.addEventListener('abort', kill, { once: true });
      const watch = new ClientWatch(client, name);
      watches.set(client, watch);
      // Both drivers report a refused connection as an 'error' event and keep retrying (node-redis'
      // connect() never settles; ioredis' rejects with a bare "Connection is closed."): the first
      // error fails the start with its real cause. A failed start is never stopped by core, so kill.
      let unsubscribe!: () => void;
      const failed = new Promise((_, reject) => (unsubscribe = watch.subscribe((error) => error && reject(error))));
      const opening = driver.open(client);
      opening.catch(() => {}); // the loser of the race rejects once the client is killed
      try {
        await orKill(client, () => Promise.race([opening, failed]));
      } finally {
        unsubscribe();
        signal.removeEventListener('abort', kill);
      }
    },
    // Registered in quiesce, the first hook of the stop: its signal is the one for the whole stop sequence.
    quiesce: (client, { signal }) => {
      onAbort(signal, () => driver.kill(client));
      if (signal.aborted) return;
      return orKill(client, () => driver.unsubscribeAll(client));
    },
    // A connection the driver lost and re-established (resending what was in flight) is no failure;
    // one still down when the stop comes to close it is: what was queued for it can no longer be
    // answered, and nothing tells the caller otherwise.
    stop: async (client, ctx) => {
      const watch = watches.get(client) ?? new ClientWatch(client, ctx.name);
      let live = true;
      await orKill(client, async () => (live = await driver.close(client, watch)));
      if (!live) throw new RedisConnectionLostError(ctx.name, watch.lastError ?? new Error('not connected'));
    },
  };
}

