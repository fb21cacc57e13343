import type { Queue, QueueEvents, Worker } from 'bullmq';

interface Stream {
  destroy(): void;
}
interface RawClient {
  stream?: Stream;
}
interface RedisBackend {
  client: Promise<RawClient>;
  blockingClient?: Promise<RawClient>;
  disconnect(): Promise<void>;
}

/**
 * Cut a queue's, worker's or queue events' Redis connections at once. bullmq's `disconnect()` calls
 * ioredis' `disconnect()`, which only half-closes the socket and then waits for the server's side:
 * a frozen Redis never sends it, so bullmq's promise waits (ioredis gives up after its own 2 s).
 * Destroying the sockets ends that wait now. Uses bullmq 6's Redis backend (`getBackend()`).
 */
export async function cutConnections(owner: Queue | QueueEvents | Worker): Promise<void> {
  const backend = owner.getBackend() as unknown as RedisBackend;
  const clients = await Promise.all([backend.client, backend.blockingClient].filter((c): c is Promise<RawClient> => c !== undefined));
  const disconnected = backend.disconnect().catch(() => undefined);
  for (const client of clients) client.stream?.destroy();
  // A client that was already reconnecting (server gone) never emits the 'end' bullmq waits for:
  // the sockets are destroyed either way, so wait one turn of the loop, not for that.
  await Promise.race([disconnected, new Promise((resolve) => setImmediate(resolve))]);
}
