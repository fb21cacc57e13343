/** A channel or connection: what closing it needs. */
interface Closable {
  close(): Promise<void>;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * `target.close()`, settled by whichever comes first: the broker's Close-Ok or the 'close' event.
 * amqplib settles close() only on Close-Ok; a connection lost meanwhile (broker killed, socket
 * reset) closes the channel or connection without ever settling it, and the stop would wait out
 * its whole timeout for nothing.
 */
export function closeOrLost(target: Closable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let closed = false;
    target.once('close', () => {
      closed = true;
      resolve();
    });
    target.close().then(resolve, (error: unknown) => (closed ? resolve() : reject(error)));
  });
}
