import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const REFUSAL = 'Service Unavailable: this server is shutting down; the request was not processed.\n';

/**
 * A request on a connection accepted while stopping: 503 with `Connection: close`, not run. The
 * body is read first (for up to `graceMs`): closing a socket with unread input makes the kernel
 * send a reset, which can overtake the 503 at the client.
 */
export function refuse(req: IncomingMessage, res: ServerResponse, graceMs: number): void {
  const answer = (): void => {
    clearTimeout(timer);
    if (res.headersSent || res.destroyed) return;
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(REFUSAL), connection: 'close' });
    res.end(REFUSAL);
  };
  const timer = setTimeout(answer, graceMs);
  timer.unref();
  req.once('end', answer);
  req.resume();
}

/** An upgrade or CONNECT on a connection accepted while stopping: refused the same way, before any handler sees it. */
export function refuseRaw(socket: Socket): void {
  socket.end(`HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(REFUSAL)}\r\n\r\n${REFUSAL}`, () => socket.destroy());
}
