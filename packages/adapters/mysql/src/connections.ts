import type { InFlight } from '@quiesce/core';
import type { ConnectCallback, CoreConnection, CorePool } from './driver.js';

/**
 * What the adapter knows about one pool: which connections have a socket open (to wait for, or
 * kill) and which died under us once shutdown was requested.
 */
export class Connections {
  readonly open = new Set<CoreConnection>();
  /** Connections checked out right now (their checkout counts on the node's InFlight). */
  readonly busy = new Set<CoreConnection>();
  #waiters: Array<() => void> = [];
  #guarded = false;
  readonly #lost = new WeakSet<CoreConnection>();
  lost = 0;
  lostCause: unknown;
  /** Set when our own force path begins: what dies from then on was cut by us, not lost. */
  forcing = false;

  constructor(pool: CorePool) {
    // 'connection' fires once per new connection; 'acquire' also catches those a user-supplied
    // pool opened before the node started.
    pool.on('connection', (c: CoreConnection) => this.add(c));
    pool.on('acquire', (c: CoreConnection) => this.add(c));
  }

  add(connection: CoreConnection): void {
    if (this.open.has(connection) || connection.stream.destroyed) return;
    this.open.add(connection);
    if (this.#guarded) this.#guard(connection);
    connection.stream.once('close', () => {
      this.open.delete(connection);
      this.busy.delete(connection);
      if (this.open.size === 0) for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /**
   * From shutdown on, every connection has an 'error' listener: mysql2's pooled connection listens
   * only once, so a second error (an idle connection whose server died) would be an uncaught
   * exception mid-shutdown. The caller's query still gets the error. A fatal error is a connection
   * the server or the network cut (mysql2 marks it `fatal`; a QUIT we sent ends without one).
   */
  guard(): void {
    if (this.#guarded) return;
    this.#guarded = true;
    for (const connection of this.open) this.#guard(connection);
  }

  #guard(connection: CoreConnection): void {
    connection.on('error', (error: { fatal?: boolean } | undefined) => {
      if (error?.fatal) this.#lose(connection, error);
    });
    // A killed thread or a dying server often just closes the socket: 'end' arrives before any
    // error (the next statement gets one, through its callback only).
    connection.stream.once('end', () => {
      if (!connection._closing) this.#lose(connection, new Error('Connection lost: the server closed the connection'));
    });
  }

  #lose(connection: CoreConnection, cause: unknown): void {
    if (this.forcing || this.#lost.has(connection)) return;
    this.#lost.add(connection);
    this.lost++;
    this.lostCause ??= cause;
  }

  /** Resolves once every socket is closed (pool.end() resolves when QUIT was answered, not at the close). */
  closed(): Promise<void> {
    return this.open.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/**
 * Route every checkout through the node's InFlight: once the node stops, `getConnection()` (and
 * `query()`/`execute()`, which call it) fail with core's ShuttingDownError, while checkouts already
 * requested (queued ones included) count until released. mysql2's own end() would close
 * checked-out connections after their current command (a transaction's next statement fails) and
 * reject queued checkouts, which is why the adapter waits for them before calling it.
 */
export function gateCheckouts(pool: CorePool, connections: Connections, inFlight: InFlight): void {
  const finishers = new WeakMap<CoreConnection, () => void>();
  const patched = new WeakSet<CoreConnection>();
  const finish = (c: CoreConnection): void => {
    connections.busy.delete(c);
    const done = finishers.get(c);
    finishers.delete(c);
    done?.();
  };
  const watch = (c: CoreConnection): void => {
    if (patched.has(c)) return;
    patched.add(c);
    // The methods on the instance: the pool's own query() path and the promise wrapper's
    // release() both end up here; a dead connection counts as returned too.
    const { release, destroy } = c;
    Object.assign(c, {
      release: function (this: CoreConnection) {
        finish(c);
        return release.call(this);
      },
      destroy: function (this: CoreConnection) {
        finish(c);
        return destroy.call(this);
      },
    });
    c.stream.once('close', () => finish(c));
  };
  const getConnection = pool.getConnection.bind(pool);
  Object.assign(pool, {
    getConnection(cb: ConnectCallback): void {
      let done: () => void;
      try {
        done = inFlight.track();
      } catch (error) {
        process.nextTick(cb, error as Error);
        return;
      }
      getConnection((err, connection) => {
        if (err || !connection) done();
        else {
          connections.add(connection);
          watch(connection);
          connections.busy.add(connection);
          finishers.set(connection, done);
        }
        cb(err, connection);
      });
    },
  });
}
