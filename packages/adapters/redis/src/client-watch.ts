/** The events both drivers emit: 'error' for a connection error, 'ready' once (re)connected. */
export interface ClientEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  listenerCount(event: 'error'): number;
}

/**
 * One permanent 'error' and 'ready' listener per client, dispatching to whoever waits right now.
 * Never off(): node-redis' createClient() returns a proxy over the real client, and removing a
 * listener through it (when the proxy's own count reaches 0) gives the proxy a separate, empty
 * listener table: the listener stays registered on the real client, and every listener added
 * through the proxy afterwards never fires (node-redis 5 and 6, measured).
 */
export class ClientWatch {
  /** The last connection error the driver reported: the cause of a loss. */
  lastError: unknown;
  readonly #listeners = new Set<(error?: Error) => void>();

  constructor(client: ClientEvents, node: string) {
    // Also what keeps an 'error' nobody listens to from crashing the process (node-redis requires
    // a listener); reported as a warning unless the user listens too.
    client.on('error', (error) => {
      this.lastError = error;
      if (this.#listeners.size === 0 && client.listenerCount('error') === 1) process.emitWarning(`${node}: redis client: ${error.message}`, 'QuiesceRedisWarning');
      this.#dispatch(error);
    });
    client.on('ready', () => this.#dispatch());
  }

  /** Call `fn` on every 'error' (with it) and 'ready' (without) until the returned function is called. */
  subscribe(fn: (error?: Error) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The next 'error' (resolves with it) or 'ready' (resolves undefined). */
  next(): Promise<Error | undefined> {
    return new Promise((resolve) => {
      const stop = this.subscribe((error) => {
        stop();
        resolve(error);
      });
    });
  }

  #dispatch(error?: Error): void {
    for (const fn of [...this.#listeners]) fn(error);
  }
}
