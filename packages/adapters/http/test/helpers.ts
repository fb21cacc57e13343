import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The request went out on a pooled keep-alive socket. */
  reused: boolean;
  /** Resolves when the client's socket for this request closes (ms since the request began). */
  socketClosed: Promise<number>;
}

export function portOf(server: net.Server): number {
  return (server.address() as AddressInfo).port;
}

/** One GET on 127.0.0.1; rejects on any socket error (reset, hang up). */
export function get(port: number, path: string, agent?: http.Agent, onResponse?: () => void): Promise<Reply> {
  const began = performance.now();
  const mod = agent instanceof https.Agent ? https : http;
  return new Promise((resolve, reject) => {
    let socketClosed!: Promise<number>;
    const req = mod.get({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      onResponse?.();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, reused: req.reusedSocket, socketClosed }));
      res.on('error', reject);
    });
    req.on('socket', (socket) => {
      socketClosed = new Promise((r) => socket.once('close', () => r(performance.now() - began)));
    });
    req.on('error', reject);
  });
}

/** A raw TCP client that collects everything the server sends. */
export async function rawClient(port: number): Promise<{ socket: net.Socket; data: () => string; closed: Promise<number> }> {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  const began = performance.now();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (data += chunk));
  socket.on('error', () => {});
  const closed = new Promise<number>((r) => socket.once('close', () => r(performance.now() - began)));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { socket, data: () => data, closed };
}

/** Resolves with the error code of a fresh TCP connection attempt (undefined: it connected). */
export function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`${what}: not within ${ms} ms`)))]);
}
