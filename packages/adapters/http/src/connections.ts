import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { type InFlight } from '@quiesce/core';
import { onAbort } from '@quiesce/core/kit';
import { Connection, lastOnConnection, remoteKey } from './connection.js';
import { warnForcedClose, type ForcedCounts } from './forced-warning.js';
import { closeBetweenAccepts } from './listener.js';
import { LostResponses } from './lost-responses.js';
import { refuse, refuseRaw } from './refusal.js';
import type { Http1Server, ServerTracker } from './server-kinds.js';
import type { ProbeRouter } from './probes.js';

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/** A socket (or a hand-made response) with this tracker's property on it (see #connectionKey). */
type Marked = Record<symbol, Connection | undefined>;

/**
 * Sees every connection, request and response of one server so that closing it is graceful. What
 * Node 20's own `server.close()` gets wrong (test/node-behaviour.test.ts, DESIGN.md pitfalls): it
 * destroys a socket whose response was `end()`ed but not yet flushed; responses written afterwards
 * still say keep-alive and keep their socket for `keepAliveTimeout`; it never closes a connection
 * that sent nothing, half a header block, or half a TLS handshake (close() also stops Node's
 * header-timeout checks).
 */
export class ConnectionTracker implements ServerTracker {
  readonly #connections = new Set<Connection>();
  /**
   * The property holding the connection on the socket HTTP is parsed from (the TLS socket under
   * https; a response finds it through `res.req.socket`): one symbol per tracker, so two trackers
   * of one server keep their own. A property, not a WeakMap: it is read twice per request.
   */
  readonly #connectionKey = Symbol('quiesce.http.connection');
  /** The server's emit before ours. */
  readonly #emit: Emit;
  /** One 'close' listener shared by every response (`this` is the response). */
  readonly #onResponseClose: (this: ServerResponse) => void;
  /** https: connections still in their handshake, by remote address and port (what a TLS socket shares with its TCP one). */
  readonly #handshaking = new Map<string, Connection>();
  #draining = false;
  /** Shutdown was requested (drain delay running): still serving, but no socket is kept alive. */
  #lingering = false;
  #closed: Promise<void> = Promise.resolve();
  /** Resolves `closed` early: every connection left is owned by another node (upgraded WebSockets). */
  #drained: (() => void) | undefined;
  /** A connection that was still live at the last drained check (see #checkDrained). */
  #witness: Connection | undefined;
  /** The listener: open through the drain (late connections get 503), closed once the connections accepted before it are gone. */
  #listener: 'open' | 'closing' | 'closed' = 'open';
  /** The force path ran: a connection still handed over (parked while the listener closed) is destroyed. */
  #forced = false;
  readonly #lost = new LostResponses();

  constructor(
    readonly server: Http1Server,
    readonly inFlight: InFlight,
    readonly probe: ProbeRouter | undefined,
    /** Once draining, how long a connection without a request in progress may take to deliver one. */
    readonly headerGraceMs: number,
  ) {
    // Wrap emit rather than adding listeners: request listeners added later (express, or after
    // start) still run through here, probes answer before any of them, and an 'upgrade' listener
    // of ours would make Node hand upgrades to us instead of refusing them. Fixed arity on the
    // request path: no rest array, no spread, no closure per request (docs/PERFORMANCE.md §7).
    const emit = (this.#emit = server.emit as Emit);
    const tracker = this;
    this.#onResponseClose = function (this: ServerResponse) {
      const key = tracker.#connectionKey;
      const conn = (this as unknown as Marked)[key] ?? (this.req?.socket as unknown as Marked | undefined)?.[key];
      if (conn) tracker.#settle(conn, this);
    };
    server.emit = function (event: string | symbol, a?: unknown, b?: unknown): boolean {
      if (event === 'request') return tracker.#onRequest(a as IncomingMessage, b as ServerResponse);
      if (event === 'upgrade' || event === 'connect') {
        const conn = tracker.#connectionOf((a as IncomingMessage).socket);
        if (conn.late) return refuseRaw(b as Socket), true;
        conn.upgraded = true;
      }
      return emit.apply(server, arguments as never);
    } as typeof server.emit;
    const secure = server instanceof tls.Server;
    server.on('connection', (raw: Socket) => {
      if (this.#forced) return void raw.destroy();
      const conn = new Connection(raw);
      this.#connections.add(conn);
      raw.once('close', () => this.#gone(conn));
      // Accepted while stopping: its request is answered 503. While the listener is open the
      // connections from before hold the stop anyway; its header grace starts when it closes.
      if (this.#draining) conn.late = true;
      if (!secure) return this.#attach(conn, raw);
      const key = remoteKey(raw);
      this.#handshaking.set(key, conn);
      raw.once('close', () => this.#handshaking.delete(key));
    });
    if (secure) {
      server.on('secureConnection', (socket: Socket) => {
        const key = remoteKey(socket);
        const conn = this.#handshaking.get(key);
        this.#handshaking.delete(key);
        if (conn) this.#attach(conn, socket);
      });
    }
    // Replaces Node's check for this server: close() calls it (Node ≥ 19), and so do frameworks
    // (fastify's forceCloseConnections: 'idle').
    server.closeIdleConnections = () => {
      for (const conn of this.#connections) if (conn.idle) conn.destroy();
    };
  }

  #attach(conn: Connection, socket: Socket): void {
    conn.http = socket;
    (socket as unknown as Marked)[this.#connectionKey] = conn;
    if (socket !== conn.raw) socket.once('close', () => this.#gone(conn));
  }

  /** A socket that reached HTTP without our 'connection' listener seeing it (emitted by hand): adopt it. */
  #connectionOf(socket: Socket): Connection {
    let conn = (socket as unknown as Marked)[this.#connectionKey];
    if (conn) return conn;
    conn = new Connection(socket);
    this.#connections.add(conn);
    this.#attach(conn, socket);
    socket.once('close', () => this.#gone(conn));
    return conn;
  }

  /** A response queued behind a pipelined one never emits 'close' when the socket dies: settle it here. */
  #gone(conn: Connection): void {
    if (!this.#connections.delete(conn)) return;
    clearTimeout(conn.grace);
    if (conn.responses.length > 0) for (const res of [...conn.responses]) this.#settle(conn, res);
    if (this.#draining) this.#checkDrained();
  }

  /**
   * While draining, after each socket's end: once every connection accepted before the drain is
   * gone, close the listener; once it is closed and the connections it accepted late are gone too,
   * `closed` resolves. Upgraded sockets count (Node's close() callback waits for them too), but a
   * socket another node owns (a WebSocket the ws node is closing with its own handshake and
   * timeout) is not this server's to wait for.
   */
  #checkDrained(): void {
    // Every socket's 'close' asks this while draining: checking the live connection found last
    // time first keeps it O(1), where a scan past thousands of destroyed idle sockets per close
    // was quadratic (5,000 keep-alive sockets: +140 ms to the stop, measured with pnpm bench http).
    // While the listener is open, connections accepted late (answered 503) do not hold it open:
    // under steady traffic there is always one.
    const counts = (conn: Connection): boolean => !conn.destroyed && !conn.owned && (this.#listener === 'closed' || !conn.late);
    const witness = this.#witness;
    if (witness && this.#connections.has(witness) && counts(witness)) return;
    for (const conn of this.#connections) {
      if (counts(conn)) {
        this.#witness = conn;
        return;
      }
    }
    this.#witness = undefined;
    if (this.#listener === 'closed') return this.#drained?.();
    if (this.#listener === 'open') this.#closeListener();
  }

  /** Everything accepted before the drain is done: close the listener between two accepts, then wait for the late connections. */
  #closeListener(): void {
    this.#listener = 'closing';
    // The late connections stop reading meanwhile (plain HTTP: a TLS socket reads its TCP one on its own).
    const late = this.server instanceof tls.Server ? [] : [...this.#connections].filter((conn) => conn.late && !conn.destroyed).map((conn) => conn.raw);
    void closeBetweenAccepts(this.server, late).then(() => {
      this.#listener = 'closed';
      for (const conn of this.#connections) if (conn.late && !conn.destroyed && conn.requests === 0) this.#graceFor(conn);
      this.#checkDrained();
    });
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const conn = this.#connectionOf(req.socket);
    conn.requests++;
    if (this.#draining || this.#lingering) lastOnConnection(conn, res);
    const probe = this.probe?.(req);
    // Once the node is stopping its InFlight refuses new work: a request that still reaches us
    // (its headers were mid-way at close time) is served untracked; stop() waits for its socket.
    conn.opened(res, probe || conn.late || this.inFlight.closed ? undefined : this.inFlight.track());
    // A response made by hand (emitted by a test harness, not by Node's parser) may not name its request.
    if (res.req !== req) (res as unknown as Marked)[this.#connectionKey] = conn;
    // 'close' follows 'finish' (every byte handed to the kernel) or the socket's end.
    res.on('close', this.#onResponseClose);
    if (conn.late && !probe) return refuse(req, res, this.headerGraceMs), true;
    if (!probe) return this.#emit.call(this.server, 'request', req, res);
    probe(req, res);
    return true;
  }

  /** A response closed, or its socket went first (#gone): once each. */
  #settle(conn: Connection, res: ServerResponse): void {
    const untrack = conn.settled(res);
    if (untrack === false) return;
    if (untrack) {
      untrack();
      this.#lost.settled(this.#draining, this.#forced, res.writableFinished, res.headersSent);
    }
    if (conn.responses.length > 0) return;
    conn.readAtLastResponse = conn.http?.bytesRead ?? 0;
    if (this.#draining) this.#afterLastResponse(conn);
  }

  /**
   * Its response began before the drain (headers said keep-alive) and ended during it. The client
   * may already have written its next request on this socket (an agent with a queue does so the
   * moment the response ends): closing now would reset a request we never saw. Serve one that
   * arrives within the grace (with `Connection: close`), else close.
   */
  #afterLastResponse(conn: Connection): void {
    const socket = conn.http;
    // Not writable: Node is already closing it (the response said `Connection: close`).
    if (socket && !socket.destroyed && socket.writable) this.#graceFor(conn);
  }

  #graceFor(conn: Connection): void {
    clearTimeout(conn.grace);
    const seen = conn.requests;
    conn.grace = setTimeout(() => {
      conn.grace = undefined;
      if (conn.requests === seen && conn.responses.length === 0 && !conn.upgraded) conn.destroy();
    }, this.headerGraceMs);
    // The socket keeps the process alive, not this timer; it is cleared when the socket goes.
    conn.grace.unref();
  }

  /**
   * From the shutdown request on (the container's drain delay), every response closes its socket:
   * by the time the listener closes no keep-alive socket is left idle, so no client can race a
   * new request against the server dropping an idle socket (a reset it would see as a failure).
   */
  closeAfterEachResponse(): void {
    this.#lingering = true;
    for (const conn of this.#connections) lastOnConnection(conn);
  }

  /**
   * quiesce: close the idle connections (our check), let every open response finish with
   * `Connection: close`, and give every connection with no request in progress (silent, half a
   * header block, mid-handshake) the header grace to deliver one. The listener stays open: what it
   * accepts from now on is answered 503 (closing it now would reset the connections in its accept
   * queue); it closes, between two accepts, once every connection accepted before is gone.
   */
  close(signal: AbortSignal, name: string): void {
    this.#draining = true;
    onAbort(signal, () => warnForcedClose(name, this.destroy()));
    this.#closed = new Promise((resolve) => (this.#drained = resolve));
    // What server.close() does first; the listener itself stays open (see #checkDrained).
    this.server.closeIdleConnections();
    for (const conn of this.#connections) {
      if (conn.destroyed) continue;
      if (!conn.upgraded && conn.responses.length === 0) this.#graceFor(conn);
      lastOnConnection(conn);
    }
    this.#checkDrained();
  }

  /**
   * Resolves when the listener is closed and the last socket is gone, sockets owned by another node
   * aside; rejects then with HttpResponsesLostError when a client's vanishing cut responses begun before the stop.
   */
  async closed(name: string): Promise<void> {
    await this.#closed;
    this.#lost.check(name, this.#forced);
  }

  /** The force path, when the node's time is up: what it destroyed, by kind (sockets another node owns are left to it). */
  destroy(): ForcedCounts {
    // Time is up: no wait for a quiet moment.
    this.#forced = true;
    if (this.server.listening) this.server.close();
    this.#listener = 'closed';
    const counts = { 'connections with a response in progress': 0, 'upgraded connections': 0, 'other connections': 0 };
    for (const conn of this.#connections) {
      if (conn.destroyed || conn.owned) continue;
      if (conn.upgraded) counts['upgraded connections']++;
      else if (conn.responses.length > 0) counts['connections with a response in progress']++;
      else counts['other connections']++;
      conn.destroy();
    }
    this.server.closeAllConnections();
    queueMicrotask(() => this.#checkDrained());
    return counts;
  }
}

