import type { Duplex } from 'node:stream';

const REASONS: Record<number, string> = { 404: 'Not Found', 503: 'Service Unavailable' };

/** Answers an upgrade request with a plain HTTP status and closes the socket once it is written (ws's abortHandshake, without its private API). */
export function refuseUpgrade(socket: Duplex, status: 404 | 503): void {
  if (!socket.writable) return void socket.destroy();
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\nConnection: close\r\nContent-Length: 0\r\n${status === 503 ? 'Retry-After: 1\r\n' : ''}\r\n`);
}
