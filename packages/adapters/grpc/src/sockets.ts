import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { isIP, type Socket } from 'node:net';

/**
 * The TCP connections accepted on the server's port while it runs, as Node's `net.server.socket`
 * diagnostics channel announces them: grpc-js keeps its http2 servers and sessions to itself, and
 * an http2 session does not let anyone end or destroy its socket (`session.socket` throws
 * ERR_HTTP2_NO_SOCKET_MANIPULATION).
 *
 * Needed by the force path: `forceShutdown()` closes each session and then destroys it, and Node's
 * http2 only ends the socket of a session that was closed first, waiting for the peer's FIN. A peer
 * that never sends it (its process frozen, its host gone without a FIN) keeps that socket — and the
 * process — alive for as long as it stays silent.
 */
export class AcceptedSockets {
  readonly #open = new Set<Socket>();
  readonly #address: string | undefined;
  #watching = false;

  /**
   * `port()`: the port bound (or asked for, before the bind completed; 0 then matches nothing).
   * `host`: the address bound; an IP other than a wildcard also has to match the socket's.
   */
  constructor(
    private readonly port: () => number,
    host: string,
  ) {
    this.#address = isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::' ? host : undefined;
  }

  readonly #onSocket = (message: unknown): void => {
    const socket = (message as { socket?: Socket }).socket;
    const port = this.port();
    if (!socket || port === 0 || socket.localPort !== port || socket.destroyed) return;
    if (this.#address !== undefined && socket.localAddress?.replace(/^::ffff:/, '') !== this.#address) return;
    this.#open.add(socket);
    socket.once('close', () => this.#open.delete(socket));
  };

  watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    subscribe('net.server.socket', this.#onSocket);
  }

  unwatch(): void {
    if (!this.#watching) return;
    this.#watching = false;
    unsubscribe('net.server.socket', this.#onSocket);
  }

  /** Destroys every accepted socket still open; stops watching. */
  destroyAll(): void {
    this.unwatch();
    for (const socket of this.#open) socket.destroy();
    this.#open.clear();
  }
}
