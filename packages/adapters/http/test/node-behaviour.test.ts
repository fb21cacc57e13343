import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { get, portOf, rawClient, sleep, waitFor, within } from './helpers.js';

// What plain Node 20 does on server.close(), without quiesce: the reasons the adapter exists.
describe('node:http server.close() on its own (baseline, no adapter)', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((fn) => fn()));

  async function listen(server: http.Server): Promise<number> {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => server.closeAllConnections());
    return portOf(server);
  }

  it('closes idle keep-alive sockets at once, but keeps a socket whose response ends after close() until keepAliveTimeout, still saying keep-alive', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      if (req.url === '/quick') return res.end('quick');
      res.write('a');
      setTimeout(() => res.end('b'), 150);
    });
    server.keepAliveTimeout = 1_500;
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    cleanup.push(() => agent.destroy());
    const idle = await get(port, '/quick', agent);
    // A raw client: an http.Agent would close the socket itself, following the Keep-Alive hint.
    const busy = await rawClient(port);
    busy.socket.write('GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await sleep(50);
    const began = performance.now();
    const closed = new Promise<number>((r) => server.close(() => r(performance.now() - began)));
    expect(await within(idle.socketClosed, 500, 'idle socket closed')).toBeGreaterThan(0);
    await waitFor(() => busy.data().endsWith('0\r\n\r\n'));
    expect(busy.data()).toMatch(/\r\nConnection: keep-alive\r\n/);
    // The busy socket is only released by the keep-alive timer, long after its response ended.
    expect(await closed).toBeGreaterThanOrEqual(1_300);
  });

  it('never closes a socket that connected but sent nothing (close() also stops the header-timeout checks)', async () => {
    const options = { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 };
    // Control: while listening, the header timeout does close such a socket.
    const open = http.createServer(options, (_req, res) => res.end());
    const silentWhileOpen = await rawClient(await listen(open));
    cleanup.push(() => open.close());
    expect(await within(silentWhileOpen.closed, 3_000, 'header timeout')).toBeLessThan(3_000);

    const closing = http.createServer(options, (_req, res) => res.end());
    const silent = await rawClient(await listen(closing));
    await sleep(50);
    closing.close();
    await sleep(1_500);
    expect(silent.socket.destroyed).toBe(false);
    silent.socket.destroy();
  });

  it('Linux: close() of the listener resets a connection the kernel completed but the process never accepted — its connect succeeded, its request was sent', async () => {
    // Why the listener's last moment cannot be made safe from JavaScript: the kernel finishes
    // handshakes on its own and queues them; close() resets the queue. The client (a process of
    // its own) connects and writes a request while this process's event loop is blocked, so the
    // connection never leaves the accept queue.
    const server = net.createServer((socket) => socket.destroy());
    let accepted = 0;
    server.on('connection', () => accepted++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiesce-accept-queue-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sent = path.join(dir, 'sent');
    const client = `
      const net = require('node:net');
      const fs = require('node:fs');
      const [port, sent] = process.argv.slice(1);
      const events = [];
      const socket = net.connect(Number(port), '127.0.0.1');
      socket.on('connect', () => {
        events.push('connect');
        socket.write('POST /orders HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 2\\r\\n\\r\\n{}', () => (events.push('request sent'), fs.writeFileSync(sent, '')));
      });
      socket.on('data', () => events.push('data'));
      socket.on('end', () => events.push('end'));
      socket.on('error', (error) => events.push(error.code));
      socket.on('close', () => process.stdout.write(JSON.stringify(events)));
      setTimeout(() => socket.destroy(), 10000).unref();`;
    const child = spawn(process.execPath, ['-e', client, String(portOf(server)), sent], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise((r) => child.once('exit', r));
    // Block this event loop (libuv cannot accept) until the client's request is in the kernel.
    const until = Date.now() + 10_000;
    const cell = new Int32Array(new SharedArrayBuffer(4));
    while (!fs.existsSync(sent) && Date.now() < until) Atomics.wait(cell, 0, 0, 2);
    server.close();
    await exited;

    expect(accepted).toBe(0);
    // From the client's side indistinguishable from a server that crashed mid-request.
    expect(JSON.parse(out)).toEqual(['connect', 'request sent', 'ECONNRESET']);
  });
});
