import type { WebSocket } from 'ws';

/** What became of the clients that were open when the stop began. */
export interface CloseCounts {
  /** Answered the close frame: a clean close handshake (the client saw our code). */
  closedCleanly: number;
  /** Ended without a close frame of theirs before our timeout (reset, vanished, or ws's own closeTimeout). */
  closedAbnormally: number;
  /** Still open when the node's time was up: terminated (their clients see 1006). */
  terminated: number;
  /** Still open now. */
  open: number;
}

/**
 * Every accepted client until its socket is gone, and how each one ended once the stop began.
 * A close code other than 1006 on our side means the client's close frame arrived (ws reports
 * 1006 when the socket ended without one, 1005 for a close frame without a code).
 */
export class ClientLedger {
  readonly #open = new Set<WebSocket>();
  readonly #counts = { closedCleanly: 0, closedAbnormally: 0, terminated: 0 };
  #closing = false;
  #allClosed: Array<() => void> = [];

  add(socket: WebSocket): void {
    this.#open.add(socket);
    socket.once('close', (code: number) => this.#gone(socket, code));
  }

  #gone(socket: WebSocket, code: number): void {
    if (!this.#open.delete(socket)) return;
    if (this.#closing) {
      if (code === 1006) this.#counts.closedAbnormally++;
      else this.#counts.closedCleanly++;
    }
    if (this.#open.size === 0) this.#wake();
  }

  #wake(): void {
    if (this.#open.size === 0) for (const wake of this.#allClosed.splice(0)) wake();
  }

  get size(): number {
    return this.#open.size;
  }

  /** The clients still open. */
  get open(): ReadonlySet<WebSocket> {
    return this.#open;
  }

  get counts(): CloseCounts {
    return { ...this.#counts, open: this.#open.size };
  }

  /**
   * Sends the close frame to every open client but those `held` (a handler of theirs still
   * running: `close` them when it is done). A client still mid-handshake is aborted by ws.
   */
  closeAll(code: number, reason: string, held: (socket: WebSocket) => boolean = () => false): void {
    this.#closing = true;
    for (const socket of this.#open) if (!held(socket)) socket.close(code, reason);
  }

  /** Sends one client still open the close frame (again is harmless: ws sends it once). */
  close(socket: WebSocket, code: number, reason: string): void {
    if (this.#open.has(socket)) socket.close(code, reason);
  }

  /**
   * The force path: every client still open is cut, and counted as terminated at once — its
   * socket is destroyed now, its 'close' event comes a tick later, after the node was reported:
   * the counts must be final by then. Returns how many.
   */
  terminateAll(): number {
    this.#closing = true;
    const cut = [...this.#open];
    for (const socket of cut) {
      this.#open.delete(socket);
      this.#counts.terminated++;
      socket.terminate();
    }
    if (cut.length > 0) this.#wake();
    return cut.length;
  }

  /** Resolves when no client is left (their sockets closed). */
  allClosed(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#allClosed.push(resolve));
  }
}
