import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Put on a socket by the node that took it over through an 'upgrade' (`@quiesce/ws`): that node
 * closes it (close frame, then terminate at its own timeout), so this server's stop neither waits
 * for it nor destroys it. A registered symbol: the packages agree without importing each other.
 */
export const UPGRADE_OWNER: unique symbol = Symbol.for('quiesce.upgrade-owner') as never;

/** What a TLS socket shares with the TCP socket under it, and an HTTP/2 session with its socket. */
export const remoteKey = (socket: Socket): string => `${socket.remoteAddress}|${socket.remotePort}`;

/**
 * One accepted TCP connection and the HTTP exchange on it. Under https `raw` is the TCP socket and
 * `http` the TLS socket requests are parsed from, unset until the handshake completes.
 */
export class Connection {
  http: Socket | undefined;
  /**
   * Responses still open on it, oldest first (a pipelining client queues several; nearly always
   * zero or one). An array, not a Map keyed by response: set + delete per request was the largest
   * part of the tracker's cost (docs/PERFORMANCE.md §7).
   */
  readonly responses: ServerResponse[] = [];
  /** Beside each open response, its InFlight release (undefined when it was not counted): kept here, nothing is added to the response. */
  readonly #untracks: Array<(() => void) | undefined> = [];
  /** Requests seen on it: a grace that ends knows whether one arrived meanwhile. */
  requests = 0;
  /** `http.bytesRead` when its last response closed: more since means a next request is arriving. */
  readAtLastResponse = 0;
  /** Handed to an 'upgrade' / 'connect' listener (WebSocket, tunnels): HTTP no longer sees its end. */
  upgraded = false;
  grace: ReturnType<typeof setTimeout> | undefined;
  /** Accepted after the drain began: every request on it is answered 503 with `Connection: close`. */
  late = false;

  constructor(readonly raw: Socket) {}

  /**
   * Between two requests, every byte of the last response handed to the kernel and nothing of a
   * next request received: closing it now loses nothing. (Node's own check only asks whether
   * `res.end()` was *called*, so it cuts a large response still being written.)
   */
  get idle(): boolean {
    const socket = this.http;
    return (
      socket !== undefined &&
      !this.upgraded &&
      this.requests > 0 &&
      this.responses.length === 0 &&
      socket.writableLength === 0 &&
      socket.bytesRead === this.readAtLastResponse
    );
  }

  /** Upgraded, and claimed by the node that owns the upgraded connection. */
  get owned(): boolean {
    return this.upgraded && (UPGRADE_OWNER in this.raw || (this.http !== undefined && UPGRADE_OWNER in this.http));
  }

  get destroyed(): boolean {
    return this.raw.destroyed || this.http?.destroyed === true;
  }

  destroy(): void {
    clearTimeout(this.grace);
    this.http?.destroy();
    this.raw.destroy();
  }

  opened(res: ServerResponse, untrack: (() => void) | undefined): void {
    this.responses.push(res);
    this.#untracks.push(untrack);
  }

  /** Takes a response off `responses`: its InFlight release (undefined if not counted), or false when it was not open (already settled). */
  settled(res: ServerResponse): (() => void) | undefined | false {
    const list = this.responses;
    const i = list.indexOf(res);
    if (i < 0) return false;
    // Nearly always the only one, or the oldest of a pipelined few.
    if (i === 0) return list.shift(), this.#untracks.shift();
    list.splice(i, 1);
    return this.#untracks.splice(i, 1)[0];
  }
}

/** Responses we marked `Connection: close`: only our own mark is ever taken back. */
const markedClose = new WeakSet<ServerResponse>();

/**
 * From the shutdown request on, a connection's last response says `Connection: close` — only its
 * last: a pipelining client may have queued requests behind an open response, and once a response
 * says close Node drops the ones queued after it (their handlers ran, their answers are lost). A
 * request arriving behind a marked response (`next`) takes the mark over when its headers have not gone.
 */
export function lastOnConnection(conn: Connection, next?: ServerResponse): void {
  const open = [...conn.responses];
  if (next) open.push(next);
  const last = open.at(-1);
  for (const res of open) if (res !== last && !res.headersSent && markedClose.delete(res)) res.removeHeader('Connection');
  if (!last || last.headersSent) return;
  last.setHeader('Connection', 'close');
  markedClose.add(last);
}
