import type { IncomingMessage, ServerResponse } from 'node:http';
// Types only: the module itself is loaded by whoever made the http2 server (see server-kinds.ts).
import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { type InFlight } from '@quiesce/core';
import { onAbort } from '@quiesce/core/kit';
import { remoteKey } from './connection.js';
import { warnForcedClose, type ForcedCounts } from './forced-warning.js';
import { closeBetweenAccepts } from './listener.js';
import { LostResponses } from './lost-responses.js';
import { refuse } from './refusal.js';
import type { ProbeRouter } from './probes.js';
import type { Http2ServerLike, ServerTracker } from './server-kinds.js';

const noop = (): void => {};

/**
 * The node:http2 counterpart of ConnectionTracker. HTTP/2 says "no new streams" with GOAWAY
 * (`session.close()`), after which the session ends by itself when its last stream does. Node's
 * `Http2Server.close()` only stops listening: without `session.close()` every client session,
 * busy or idle, holds the server open. A TCP connection that never became a session (TLS
 * handshake not done, or stalled) is closed after the header grace, as under HTTP/1. As under
 * HTTP/1 the listener stays open until the connections from before the drain are gone (a session
 * it accepts meanwhile gets GOAWAY at once: its streams are refused, never run), then closes
 * between two accepts.
 */
export class SessionTracker implements ServerTracker {
  /** Every accepted TCP socket, by remote address and port (what a session's socket shares with it). */
  readonly #raw = new Map<string, Socket>();
  readonly #sessions = new Map<string, ServerHttp2Session>();
  /** allowHTTP1: sockets with HTTP/1 responses in progress → how many. */
  readonly #http1Busy = new Map<string, number>();
  readonly #http1Responses = new Set<ServerResponse>();
  readonly #graces = new Map<string, ReturnType<typeof setTimeout>>();
  #draining = false;
  /** Shutdown was requested (drain delay running). */
  #lingering = false;
  /** The force path ran: a connection still handed over (parked while the listener closed) is destroyed. */
  #forced = false;
  /** Connections accepted before the drain and still open: the listener closes when the last goes. */
  readonly #early = new Set<string>();
  /** Connections accepted while stopping (sessions get GOAWAY at once, HTTP/1 requests 503). */
  readonly #late = new Set<string>();
  #listener: 'open' | 'closing' | 'closed' = 'open';
  #closed: Promise<void> = Promise.resolve();
  readonly #lost = new LostResponses();
  #drained: (() => void) | undefined;

  constructor(
    readonly server: Http2ServerLike,
    readonly inFlight: InFlight,
    readonly probe: ProbeRouter | undefined,
    readonly headerGraceMs: number,
  ) {
    // Wrapped for the reasons given in ConnectionTracker; 'stream' serves both APIs (the compat
    // 'request' is emitted from the server's own 'stream' listener).
    const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
    server.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'stream') this.#onStream(args[0] as ServerHttp2Stream, args[1] as IncomingHttpHeaders);
      if (event === 'request') {
        const [req, res] = args as [IncomingMessage, ServerResponse];
        const probe = this.probe?.(req);
        if (probe) return probe(req, res), true;
        if (req.httpVersionMajor === 1 && this.#late.has(remoteKey(req.socket))) return refuse(req, res, this.headerGraceMs), true;
        if (req.httpVersionMajor === 1) this.#onHttp1Request(req, res);
      }
      return emit(event, ...args);
    }) as typeof server.emit;
    server.on('connection', (raw: Socket) => {
      if (this.#forced) return void raw.destroy();
      const key = remoteKey(raw);
      this.#raw.set(key, raw);
      raw.once('close', () => {
        this.#raw.delete(key);
        clearTimeout(this.#graces.get(key));
        this.#graces.delete(key);
        this.#early.delete(key);
        this.#late.delete(key);
        if (this.#draining) this.#checkDrained();
      });
      // Accepted while stopping: its grace to become a session starts when the listener closes.
      if (this.#draining) this.#late.add(key);
    });
    server.on('session', (session: ServerHttp2Session) => {
      const key = remoteKey(session.socket as Socket);
      this.#sessions.set(key, session);
      session.once('close', () => this.#sessions.delete(key));
      // Accepted while stopping, or its TLS handshake finished after the drain began: GOAWAY
      // before any frame of it is read, so the client's streams are refused (safe to retry).
      if (this.#draining) session.close();
    });
  }

  #onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    // Probes are answered untracked; a stream that still reaches us after close is served untracked.
    const path = String(headers[':path'] ?? '');
    const isProbe = this.probe?.({ url: path } as IncomingMessage) !== undefined;
    if (isProbe || this.inFlight.closed) return;
    const untrack = this.inFlight.track();
    stream.once('close', () => {
      untrack();
      // A stream the client reset (or whose session died) closes "finished" all the same: its RST code says.
      this.#lost.settled(this.#draining, this.#forced, stream.rstCode === 0, stream.headersSent);
    });
  }

  /**
   * `allowHTTP1`: an HTTP/1 request on this server has no stream and no session. Count it, and
   * keep its socket from the grace while it runs; once draining it says `Connection: close`.
   */
  #onHttp1Request(req: IncomingMessage, res: ServerResponse): void {
    if (this.#draining || this.#lingering) res.setHeader('Connection', 'close');
    const key = remoteKey(req.socket);
    this.#http1Busy.set(key, (this.#http1Busy.get(key) ?? 0) + 1);
    this.#http1Responses.add(res);
    const untrack = this.inFlight.closed ? noop : this.inFlight.track();
    const counted = untrack !== noop;
    res.once('close', () => {
      if (counted) this.#lost.settled(this.#draining, this.#forced, res.writableFinished, res.headersSent);
      this.#http1Responses.delete(res);
      const left = this.#http1Busy.get(key)! - 1;
      if (left > 0) this.#http1Busy.set(key, left);
      else this.#http1Busy.delete(key);
      untrack();
    });
  }

  closeAfterEachResponse(): void {
    // HTTP/2 multiplexes every request of a client on one session: nothing to close per response
    // (the GOAWAY goes out when the listener closes). allowHTTP1 responses do say close from now on.
    this.#lingering = true;
  }

  close(signal: AbortSignal, name: string): void {
    this.#draining = true;
    onAbort(signal, () => warnForcedClose(name, this.destroy()));
    this.#closed = new Promise((resolve) => (this.#drained = resolve));
    for (const key of this.#raw.keys()) this.#early.add(key);
    for (const session of this.#sessions.values()) session.close();
    for (const res of this.#http1Responses) if (!res.headersSent) res.setHeader('Connection', 'close');
    // No session: a TLS handshake in progress or stalled (cleartext sessions begin at accept), or
    // an HTTP/1 connection (allowHTTP1).
    for (const [key, raw] of this.#raw) if (!this.#sessions.has(key)) this.#graceFor(key, raw);
    this.#checkDrained();
  }

  /** Once the connections from before the drain are gone the listener closes (a plain close() would reset its accept queue); once it is closed and the late ones are gone too, `closed` resolves. */
  #checkDrained(): void {
    if (this.#listener === 'open' && this.#early.size === 0) {
      this.#listener = 'closing';
      void closeBetweenAccepts(this.server).then(() => {
        this.#listener = 'closed';
        for (const key of this.#late) {
          const raw = this.#raw.get(key);
          if (raw && !this.#sessions.has(key)) this.#graceFor(key, raw);
        }
        this.#checkDrained();
      });
    }
    if (this.#listener === 'closed' && this.#raw.size === 0) this.#drained?.();
  }

  /** Closed after the grace unless it became a session; with an HTTP/1 response in progress, checked again a grace later. */
  #graceFor(key: string, raw: Socket): void {
    const timer = setTimeout(() => {
      this.#graces.delete(key);
      if (this.#sessions.has(key) || raw.destroyed) return;
      if (this.#http1Busy.has(key)) this.#graceFor(key, raw);
      else raw.destroy();
    }, this.headerGraceMs);
    timer.unref();
    this.#graces.set(key, timer);
  }

  async closed(name: string): Promise<void> {
    await this.#closed;
    this.#lost.check(name, this.#forced);
  }

  /** The force path: every session and socket destroyed; what it destroyed, by kind. */
  destroy(): ForcedCounts {
    this.#forced = true;
    if (this.server.listening) this.server.close();
    this.#listener = 'closed';
    queueMicrotask(() => this.#checkDrained());
    const counts = { 'requests in progress': this.inFlight.active, sessions: this.#sessions.size, 'connections without a session': this.#raw.size - this.#sessions.size };
    // A GOAWAY with an error code, so that clients see their open streams as failed, not ended.
    for (const session of this.#sessions.values()) session.destroy(undefined, process.getBuiltinModule('node:http2').constants.NGHTTP2_CANCEL);
    for (const raw of this.#raw.values()) raw.destroy();
    return counts;
  }
}

