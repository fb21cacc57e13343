import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { onAbort, type InFlight } from '@quiesce/core';
import type { HttpServerLike } from './options.js';
import type { ProbeRouter } from './probes.js';

const noop = (): void => {};
/** How long a connection that has not sent a byte gets, once draining, for a request that may be on the wire. */
const SILENT_GRACE_MS = 250;

/**
 * Sees every request and socket of one server so that closing it is graceful. Node 20's own
 * `server.close()` (measured in test/node-behaviour.test.ts) stops listening and destroys idle
 * keep-alive sockets, but: responses written afterwards still say `Connection: keep-alive`; a
 * socket whose response ends after close() stays open until `keepAliveTimeout`; a socket that
 * connected but never sent a byte is never closed (close() also stops the header-timeout timer).
 */
export class ConnectionTracker {
  /** Every accepted TCP socket, upgraded (WebSocket) ones included: what the force path destroys. */
  readonly #tcp = new Set<Socket>();
  /** Sockets HTTP is parsed from (the TLS socket under https) → responses still open on each. */
  readonly #http = new Map<Socket, Map<ServerResponse, () => void>>();
  #draining = false;
  /** Shutdown was requested (drain delay running): still serving, but no socket is kept alive. */
  #lingering = false;
  #closed: Promise<void> = Promise.resolve();

  constructor(
    readonly server: HttpServerLike,
    readonly inFlight: InFlight,
    readonly probe: ProbeRouter | undefined,
  ) {
    // Wrap emit rather than the listener list: request listeners added later (express, or after
    // start) still run through here, and probes answer before any of them.
    const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
    server.emit = ((event: string | symbol, ...args: unknown[]) =>
      event === 'request'
        ? this.#onRequest(args[0] as IncomingMessage, args[1] as ServerResponse, () => emit(event, ...args))
        : emit(event, ...args)) as typeof server.emit;
    server.on('connection', (socket: Socket) => {
      this.#tcp.add(socket);
      socket.once('close', () => this.#tcp.delete(socket));
    });
    server.on(server instanceof tls.Server ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#open(socket);
      // A TLS handshake that was in progress at close time completes during the drain.
      if (this.#draining) this.#dropIfSilent(socket);
    });
  }

  #open(socket: Socket): Map<ServerResponse, () => void> {
    let open = this.#http.get(socket);
    if (open) return open;
    const responses = new Map<ServerResponse, () => void>();
    this.#http.set(socket, responses);
    // A response queued behind a pipelined one never emits 'close' when the socket dies; settle it here.
    socket.once('close', () => {
      this.#http.delete(socket);
      for (const settle of responses.values()) settle();
    });
    return responses;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse, next: () => boolean): boolean {
    const socket = req.socket;
    const open = this.#open(socket);
    if (this.#draining || this.#lingering) res.setHeader('Connection', 'close');
    const probe = this.probe?.(req);
    // Once the node is stopping its InFlight refuses new work: a request that still reaches us
    // (its headers were mid-way at close time) is served untracked; stop() waits for its socket.
    const untrack = probe || this.inFlight.closed ? noop : this.inFlight.track();
    const settle = (): void => {
      if (!open.delete(res)) return;
      untrack();
      // Its response began before the drain (headers sent, no `Connection: close`): Node would keep the socket for keepAliveTimeout.
      if (this.#draining && open.size === 0 && !socket.destroyed) socket.destroySoon();
    };
    open.set(res, settle);
    res.once('close', settle);
    if (!probe) return next();
    probe(req, res);
    return true;
  }

  /**
   * From the shutdown request on (the container's drain delay), every response closes its socket:
   * by the time the listener closes no keep-alive socket is left idle, so no client can race a
   * new request against the server dropping an idle socket (a reset it would see as a failure).
   */
  closeAfterEachResponse(): void {
    this.#lingering = true;
    for (const open of this.#http.values()) for (const res of open.keys()) if (!res.headersSent) res.setHeader('Connection', 'close');
  }

  /** quiesce: stop listening, let every open response finish with `Connection: close`, drop idle sockets. */
  close(signal: AbortSignal): void {
    this.#draining = true;
    onAbort(signal, () => this.destroy());
    this.#closed = new Promise((resolve) => this.server.close(() => resolve()));
    for (const [socket, open] of this.#http) {
      for (const res of open.keys()) if (!res.headersSent) res.setHeader('Connection', 'close');
      if (open.size === 0 && socket.bytesRead === 0) this.#dropIfSilent(socket);
    }
  }

  #dropIfSilent(socket: Socket): void {
    const check = (): void => {
      if (socket.bytesRead === 0 && !this.#http.get(socket)?.size) socket.destroy();
    };
    setTimeout(check, SILENT_GRACE_MS).unref();
  }

  /** Resolves when the last socket is gone (server.close's callback). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** The force path, when the node's time is up. */
  destroy(): void {
    this.server.closeAllConnections();
    for (const socket of this.#tcp) socket.destroy();
  }
}
