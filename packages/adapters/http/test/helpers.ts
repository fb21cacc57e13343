import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import { LifecycleContainer } from '@quiesce/core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { httpServer, type HttpServerLike, type HttpServerOptions } from '../src/index.js';

export const fixture = (name: string): Buffer => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

/**
 * Registers an afterEach that runs the cleanups; `started(server)` runs one container with the
 * server as node 'http' and shuts it down after the test if the test did not.
 */
export function lifecycleHarness() {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });
  async function started(server: HttpServerLike, options: Partial<HttpServerOptions> = {}) {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource('http', httpServer({ server, port: 0, ...options }));
    await app.start();
    cleanup.push(() => app.shutdown());
    return { app, port: portOf(server), inFlight: app.inFlight('http') };
  }
  return { cleanup, started };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The request went out on a pooled keep-alive socket. */
  reused: boolean;
  /** The client socket's local port: two replies with the same one shared a socket. */
  localPort: number;
  /** Resolves when the client's socket for this request closes (ms since the request began). */
  socketClosed: Promise<number>;
}

export function portOf(server: net.Server): number {
  return (server.address() as AddressInfo).port;
}

/** One GET on 127.0.0.1; rejects on any socket error (reset, hang up). */
export function get(port: number, path: string, agent?: http.Agent, onResponse?: () => void): Promise<Reply> {
  const began = performance.now();
  // By protocol, not class: agentkeepalive's HttpsAgent is no https.Agent at run time.
  const mod = (agent as { protocol?: string } | undefined)?.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let socketClosed!: Promise<number>;
    const req = mod.get({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      onResponse?.();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, reused: req.reusedSocket, localPort: req.socket!.localPort!, socketClosed }));
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

/** `promise`, or a rejection after `ms`; its timer is cleared when the promise settles (no leftover handle). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Connect (over TLS when given the CA), send `request`, and do not read until `resume()`: the server's writes pile up unflushed. */
export async function stalledReader(port: number, request: string, ca?: Buffer): Promise<{ resume: () => void; received: () => Buffer; closed: Promise<string | undefined> }> {
  const socket = ca ? tls.connect({ host: '127.0.0.1', port, ca }) : net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  let error: string | undefined;
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
  const closed = new Promise<string | undefined>((r) => socket.once('close', () => r(error)));
  await new Promise<void>((resolve, reject) => socket.once(ca ? 'secureConnect' : 'connect', resolve).once('error', reject));
  socket.write(request);
  socket.pause();
  return { resume: () => socket.resume(), received: () => Buffer.concat(chunks), closed };
}

/** The body of a raw HTTP/1.1 response with a content-length (undefined while the header is incomplete). */
export function rawBody(response: Buffer): Buffer | undefined {
  const end = response.indexOf('\r\n\r\n');
  return end < 0 ? undefined : response.subarray(end + 4);
}

/** The value of `fn()` and how long it took (ms). */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const began = performance.now();
  const value = await fn();
  return [value, performance.now() - began];
}

/** Process warnings with `code` emitted during the test file (registers its own hooks). */
export function warningsWithCode(code: string): { take: () => Promise<string[]> } {
  const seen: string[] = [];
  const listener = (w: Error & { code?: string }): void => void (w.code === code && seen.push(w.message));
  beforeAll(() => void process.on('warning', listener));
  afterAll(() => void process.off('warning', listener));
  // Warnings are emitted on the next tick: give them one before reading.
  return { take: async () => (await sleep(10), seen.splice(0)) };
}
