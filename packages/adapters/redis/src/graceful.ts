import { onAbort, type ResourceDefinition, type ResourceOptions } from '@quiesce/core';

/** What differs between the drivers; the order of the stop and its force path are shared. */
export interface RedisDriver<C> {
  /** Connect if the client is not connected yet, then PING: a wrong URL fails the start, not the first request. */
  open(client: C): Promise<unknown>;
  /** Leave every channel/pattern so nothing is delivered while the node drains. */
  unsubscribeAll(client: C): Promise<unknown>;
  /** Close after every pending reply reached its caller. */
  close(client: C): Promise<unknown>;
  /** Close the socket now; pending commands are rejected. */
  kill(client: C): void;
}

interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  listenerCount(event: 'error'): number;
}

/**
 * quiesce: unsubscribe → (core waits for the node's in-flight work) → stop: graceful close.
 * The scheduler stops waiting at the node's deadline, so the socket must be killed then, or a
 * BLPOP (or a QUIT queued behind it) keeps the connection and the process alive.
 */
export function redisResource<C extends ErrorEmitter>(create: () => Promise<C>, lifecycle: ResourceOptions, driver: RedisDriver<C>): ResourceDefinition<C> {
  const orKill = async (client: C, work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      driver.kill(client);
      throw error;
    }
  };
  return {
    ...lifecycle,
    create,
    start: async (client, { signal }) => {
      const kill = (): void => driver.kill(client);
      signal.addEventListener('abort', kill, { once: true });
      // Both drivers report a refused connection as an 'error' event and keep retrying (node-redis'
      // connect() never settles; ioredis' rejects with a bare "Connection is closed."): the first
      // error fails the start with its real cause. A failed start is never stopped by core, so kill.
      let onError!: (error: Error) => void;
      const failed = new Promise((_, reject) => client.once('error', (onError = reject)));
      const opening = driver.open(client);
      opening.catch(() => {}); // the loser of the race rejects once the client is killed
      try {
        await orKill(client, () => Promise.race([opening, failed]));
      } finally {
        client.off('error', onError);
        signal.removeEventListener('abort', kill);
      }
      // Runtime errors (a killed connection, a failover) must not crash the process through an
      // 'error' event nobody listens to: node-redis requires a listener. Reported as warnings.
      if (client.listenerCount('error') === 0) client.on('error', (error: Error) => process.emitWarning(`redis client: ${error.message}`, 'QuiesceRedisWarning'));
    },
    // Registered in quiesce, the first hook of the stop: its signal is the one for the whole stop sequence.
    quiesce: (client, { signal }) => {
      onAbort(signal, () => driver.kill(client));
      if (signal.aborted) return;
      return orKill(client, () => driver.unsubscribeAll(client));
    },
    stop: (client) => orKill(client, () => driver.close(client)),
  };
}
