import type { InFlight } from '@quiesce/core';
import type { Pool, PoolClient } from 'pg';

type ConnectCallback = (err: Error | undefined, client: PoolClient | undefined, release: (err?: unknown) => void) => void;
const noop = (): void => {};

/**
 * What the adapter knows about one pool: which connections are open (to wait for, or kill) and
 * how many checkouts are in progress (counted on the node's InFlight, so core's stop waits for them).
 */
export class Connections {
  /** Every client with an open socket: added on connect/acquire, removed on its 'end'. */
  readonly open = new Set<PoolClient>();
  #waiters: Array<() => void> = [];
  #guarded = false;
  readonly #lost = new WeakSet<PoolClient>();
  /** Connections that died under us after shutdown was requested, and the first cause. */
  lost = 0;
  lostCause: unknown;
  /** Set when our own force path begins: what dies from then on was cut by us, not lost. */
  forcing = false;

  constructor(pool: Pool) {
    const add = (client: PoolClient): void => {
      if (this.open.has(client)) return;
      this.open.add(client);
      if (this.#guarded) this.#guard(client);
      client.once('end', () => {
        // Ended without anyone asking (client.end() sets _ending): the socket was cut under it.
        // With a query running pg hands the error to the query and emits no 'error'.
        if (!(client as unknown as { _ending?: boolean })._ending) this.#lose(client, new Error('Connection terminated unexpectedly'));
        this.open.delete(client);
        if (this.open.size === 0) for (const wake of this.#waiters.splice(0)) wake();
      });
    };
    pool.on('connect', add);
    // 'acquire' too: catches clients a user-supplied pool opened before the node started.
    pool.on('acquire', add);
  }

  /**
   * From now on every client has an 'error' listener. pg emits 'error' on a client whose backend
   * dies; a checked-out client has no pool listener, so without one that is an uncaught exception:
   * a server dying mid-shutdown (a failover during a deploy) would crash the process, losing the
   * report and the other nodes' drains. The caller's query still rejects with the error. Only
   * once shutdown is requested: before that, pg's own rule (listen on clients you check out) stands.
   */
  guard(): void {
    if (this.#guarded) return;
    this.#guarded = true;
    for (const client of this.open) this.#guard(client);
  }

  #guard(client: PoolClient): void {
    client.on('error', (error: unknown) => this.#lose(client, error));
    // A backend that ends itself (terminated, postmaster gone) first sends a FATAL error; with a
    // query running pg hands it to that query only, the caller releases the client, and its
    // socket then closes as if we had ended it.
    client.connection.on('errorMessage', (message: { severity?: string }) => {
      if (message.severity === 'FATAL' || message.severity === 'PANIC') this.#lose(client, message);
    });
  }

  #lose(client: PoolClient, cause: unknown): void {
    if (!this.#guarded || this.forcing || this.#lost.has(client)) return;
    this.#lost.add(client);
    this.lost++;
    this.lostCause ??= cause;
  }

  /** Resolves once every socket is closed. pool.end() resolves earlier: it does not wait for idle clients' sockets. */
  closed(): Promise<void> {
    return this.open.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/**
 * Route every checkout through the node's InFlight: once the node stops, `connect()` (and
 * `query()`, which calls `this.connect`) fails with core's ShuttingDownError, while checkouts
 * already requested (including those still queued for a free client) count until released.
 * pg-pool has no hook before a checkout and its own end() strands queued requests forever,
 * so the gate must sit in front of `connect`; the Pool's public type is unchanged.
 */
export function gateCheckouts(pool: Pool, inFlight: InFlight): void {
  const done = new Map<PoolClient, () => void>();
  pool.on('release', (_err, client) => {
    done.get(client)?.();
    done.delete(client);
  });
  const connect = pool.connect.bind(pool) as (cb: ConnectCallback) => void;
  function gated(cb?: ConnectCallback): Promise<PoolClient> | void {
    if (!cb) {
      return new Promise<PoolClient>((resolve, reject) => gated((err, client) => (err ? reject(err) : resolve(client!))));
    }
    let finish: () => void;
    try {
      finish = inFlight.track();
    } catch (error) {
      return cb(error as Error, undefined, noop);
    }
    connect((err, client, release) => {
      if (err || !client) finish();
      else done.set(client, finish);
      cb(err, client, release);
    });
  }
  Object.assign(pool, { connect: gated });
}
