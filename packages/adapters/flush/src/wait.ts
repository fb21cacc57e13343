import type { EventEmitter } from 'node:events';

interface Emitter {
  on(event: string, fn: (...args: never[]) => void): unknown;
  off(event: string, fn: (...args: never[]) => void): unknown;
}

/**
 * Resolves on the first of `events` (or at once when `already()`), rejects on 'error', and
 * resolves when `signal` aborts: the node's time is up, core reports it, the caller cuts.
 */
export function until(emitter: Emitter | EventEmitter, events: readonly string[], signal: AbortSignal, already: () => boolean = () => false): Promise<void> {
  if (already() || signal.aborted) return Promise.resolve();
  const e = emitter as Emitter;
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      cleanup();
      resolve();
    };
    const failed = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      for (const event of events) e.off(event, done);
      e.off('error', failed);
      signal.removeEventListener('abort', done);
    };
    for (const event of events) e.on(event, done);
    e.on('error', failed);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A callback-style call as a promise that also settles when `signal` aborts. */
export function callback(call: (cb: (error?: Error | null) => void) => void, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const aborted = (): void => resolve();
    signal.addEventListener('abort', aborted, { once: true });
    call((error) => {
      signal.removeEventListener('abort', aborted);
      if (error) reject(error);
      else resolve();
    });
  });
}
