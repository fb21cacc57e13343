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
  readonly #terminated = new WeakSet<WebSocket>();
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
      if (this.#terminated.has(socket)) this.#counts.terminated++;
      else if (code === 1006) this.#counts.closedAbnormally++;
      else this.#counts.closedCleanly++;
    }
    if (this.#open.size === 0) for (const wake of this.#allClosed.splice(0)) wake();
  }

  get size(): number {
    return this.#open.size;
  }

  get counts(): CloseCounts {
    return { ...this.#counts, open: this.#open.size };
  }

  /** Sends every open client the close frame (a client still mid-handshake is aborted by ws). */
  closeAll(code: number, reason: string): void {
    this.#closing = true;
    for (const socket of this.#open) socket.close(code, reason);
  }

  /** The force path: every client still open is cut. Returns how many. */
  terminateAll(): number {
    this.#closing = true;
    let n = 0;
    for (const socket of this.#open) {
      if (this.#terminated.has(socket)) continue;
      this.#terminated.add(socket);
      socket.terminate();
      n++;
    }
    return n;
  }

  /** Resolves when no client is left (their sockets closed). */
  allClosed(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#allClosed.push(resolve));
  }
}
