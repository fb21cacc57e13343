import type { Queue, QueueEvents, Worker } from 'bullmq';

// bullmq 6's Redis backend and ioredis 5, as far as the adapter reaches into them. File/line
// references are to bullmq 6.7.0 `dist/cjs/classes/*` and ioredis 5.9.3 `built/*` (what Node loads).

interface Socket {
  readonly destroyed: boolean;
  destroy(): void;
}
/** The raw ioredis client a bullmq `RedisConnection` holds (behind bullmq's proxy, which forwards these). */
export interface RawClient {
  status?: string;
  stream?: Socket;
  /** ioredis' connector: its `stream` is the socket `disconnect()` half-closes (AbstractConnector.js:13-24). */
  connector?: { stream?: Socket };
  disconnect(): void;
  on(event: 'close', listener: () => void): unknown;
  /** ioredis' own: what its close handler does to end a client (event_handler.js:211-214, Redis.js:649-694). */
  manuallyClosing?: boolean;
  setStatus?(status: string): void;
  flushQueue?(error: Error): void;
}
/** bullmq's `RedisConnection`. */
interface Connection {
  /** Set synchronously by the constructor (redis-connection.js:127 or :253-264), before any await. */
  _client?: RawClient;
  /** `shared`: the caller's own client, which bullmq never closes (redis-connection.js:521). */
  extraOptions?: { shared?: boolean };
}
interface RedisBackend {
  connection?: Connection;
  /** A worker's dedicated connection for BZPOPMIN (utils/create-backend.js:27-39). */
  blockingConnection?: Connection;
  reconnectBlocking?: () => Promise<void>;
}

const backendOf = (owner: Queue | QueueEvents | Worker): RedisBackend => owner.getBackend() as unknown as RedisBackend;

/**
 * The ioredis clients bullmq created for this queue, worker or queue events, and therefore owns:
 * not a client the user passed in as `connection` (bullmq marks it `shared` and leaves it open;
 * so does this adapter). A worker given a client still owns the duplicate it made for blocking.
 */
export function ownedClients(owner: Queue | QueueEvents | Worker): RawClient[] {
  const backend = backendOf(owner);
  return [backend.connection, backend.blockingConnection]
    .filter((c): c is Connection => c?._client !== undefined && c.extraOptions?.shared !== true)
    .map((c) => c._client!);
}

/**
 * ioredis' `disconnect()` half-closes `connector.stream` and arms a 2 s timer to destroy it,
 * cleared by that stream's 'close' event (AbstractConnector.js:13-24). Called on a client whose
 * socket has *already* closed — and bullmq does exactly that: a worker's `pause()` has already
 * disconnected its blocking client (worker.js:947), then `close(true)` disconnects it again
 * (redis-connection.js:524); ioredis' `quit()` on a client that lost its server calls
 * `disconnect()` too (Redis.js:368-371) — the 'close' never comes again, and the timer keeps the process alive 2 s
 * for nothing. Forgetting a socket that is already closed makes those calls arm nothing; it has
 * no other use (a reconnect sets a new one, StandaloneConnector.js:51-54).
 */
function forgetClosedSocket(client: RawClient): void {
  const connector = client.connector;
  if (connector?.stream?.destroyed) connector.stream = undefined;
}

const watched = new WeakSet<RawClient>();

/**
 * From the stop on, every owned client's socket is forgotten as soon as it closes (and one that
 * already has, now): no `disconnect()` bullmq makes afterwards leaves ioredis' 2 s timer behind.
 */
export function forgetClosedSockets(owner: Queue | QueueEvents | Worker): void {
  for (const client of ownedClients(owner)) {
    forgetClosedSocket(client);
    if (watched.has(client)) continue;
    watched.add(client);
    client.on('close', () => forgetClosedSocket(client));
  }
}

/**
 * Cut the owned connections now, synchronously, with nothing left to wait for. ioredis'
 * `disconnect()` alone only half-closes the socket and waits for the server's side: a frozen
 * Redis never sends it (ioredis gives up after its own 2 s). So each live socket is disconnected
 * (no reconnect: ioredis' `manuallyClosing`), then destroyed; a client whose socket is already
 * gone (server killed, reconnecting) is disconnected too, which clears ioredis' reconnect timer.
 * Either way the socket is then forgotten, so bullmq's own later `disconnect()`s arm no timer.
 */
export function cutConnections(owner: Queue | QueueEvents | Worker): void {
  for (const client of ownedClients(owner)) cutClient(client);
}

/** One client cut as `cutConnections` does: disconnected (no reconnect), its socket destroyed and forgotten. */
export function cutClient(client: RawClient): void {
  const stream = client.connector?.stream ?? client.stream;
  if (!stream || stream.destroyed) forgetClosedSocket(client);
  client.disconnect();
  if (stream && !stream.destroyed) stream.destroy();
  forgetClosedSocket(client);
  endIfReconnecting(client);
}

/**
 * ioredis' `disconnect()` of a client waiting to reconnect (its server gone) only clears the
 * reconnect timer (Redis.js:223-236): no socket is left to close, so its close handler never runs
 * again, the client stays 'reconnecting' for good, never emits 'end', and the commands it holds
 * for after the reconnect never settle — bullmq's `close()` waits for that 'end' forever, and a
 * QueueEvents' XREAD held so keeps bullmq's read watchdog (blockingTimeout + 1 s) armed. Ended
 * here as ioredis' close handler would: status 'end', held commands rejected ("Connection is closed.").
 */
function endIfReconnecting(client: RawClient): void {
  if (client.status !== 'reconnecting' || typeof client.setStatus !== 'function' || typeof client.flushQueue !== 'function') return;
  client.manuallyClosing = false;
  client.setStatus('end');
  client.flushQueue(new Error('Connection is closed.'));
}

const guarded = new WeakSet<RedisBackend>();

/**
 * Issue #26: a worker force-closed while `pause()` waits for its active jobs reopens its blocking
 * connection once those jobs end, and nothing ever closes it again. `pause()` →
 * `whenCurrentJobsFinished()` (worker.js:703) disconnects the blocking client, awaits the main
 * loop, then calls `backend.reconnectBlocking()` (worker.js:953) without checking whether the
 * worker closed meanwhile; `RedisConnection.reconnect()` calls `client.connect()` on a client in
 * status 'end' (redis-connection.js:489-497). The connection that comes back only ever runs
 * ioredis' ready check (`INFO`), stays open and keeps the process alive for good. Once the worker
 * is closing, a reconnect of its blocking connection is skipped here.
 */
export function noReconnectOnceClosing(worker: Worker): void {
  const backend = backendOf(worker);
  const reconnect = backend.reconnectBlocking;
  if (typeof reconnect !== 'function' || guarded.has(backend)) return;
  guarded.add(backend);
  const state = worker as unknown as { closing?: unknown; closed?: boolean };
  backend.reconnectBlocking = function (this: RedisBackend): Promise<void> {
    return state.closing || state.closed ? Promise.resolve() : reconnect.call(this);
  };
}
