import crypto from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
export { memoryLogger, timed } from '@quiesce/test-servers';
import { WebSocket } from 'ws';

export interface Client {
  ws: WebSocket;
  /** Every text message received, in order. */
  received: string[];
  /** The close code and reason this client saw, once its socket closed (1006: no close frame). */
  closed: Promise<{ code: number; reason: string }>;
}

export const portOf = (server: { address(): unknown }): number => (server.address() as AddressInfo).port;

/** A ws client connected to 127.0.0.1:`port``path`. */
export async function connect(port: number, path = '/'): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
  const received: string[] = [];
  ws.on('message', (data) => received.push(String(data)));
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: String(reason) })));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, received, closed };
}

/** `n` clients, at most `batch` handshakes at a time (bounded: 2 shared cores). */
export async function connectMany(port: number, n: number, batch = 100): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < n; i += batch) clients.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => connect(port)))));
  return clients;
}

/**
 * A client that completes the WebSocket handshake over a raw socket and then never writes again:
 * it ignores the server's close frame (no answer), as a hung or hostile peer would.
 */
export async function deafClient(port: number, path = '/'): Promise<{ socket: net.Socket; closed: Promise<void>; received: () => Buffer }> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const key = crypto.randomBytes(16).toString('base64');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await waitFor(() => Buffer.concat(chunks).includes('\r\n\r\n'));
  if (!Buffer.concat(chunks).toString('latin1').startsWith('HTTP/1.1 101')) throw new Error(`handshake refused: ${Buffer.concat(chunks).toString('latin1').split('\r\n')[0]}`);
  return { socket, closed, received: () => Buffer.concat(chunks) };
}

/** The HTTP status line an upgrade attempt gets (a refused upgrade is answered over plain HTTP). */
export function upgradeStatus(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      data += c;
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.split('\r\n')[0]!);
      }
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    socket.once('close', () => resolve(data.split('\r\n')[0] || 'closed without an answer'));
    socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    socket.once('timeout', () => reject(new Error('no answer')));
  });
}

export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

