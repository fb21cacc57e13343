import net from 'node:net';
import { serve } from './request-path-ipc.js';

/**
 * The HTTP load generator of the request-path bench, in its own process so that it never runs on
 * the event loop of the server it measures. It keeps `connections` keep-alive sockets open to each
 * port it was given (opened on first use, reopened if the server closed one) and loads one port at
 * a time: 'run' { port, connections, warmMs, ms } → every socket of that port sends one request at
 * a time (closed loop, no pipelining) for `warmMs` (not counted) and then `ms`; then each finishes the request it has out and goes idle
 * until the next run on that port. Replies { requests, elapsedMs, failed }: responses completed
 * within the window, its length, and responses that were not `200` with keep-alive (or sockets that
 * failed): any failure fails the bench. 'forget' { port } closes that port's sockets, 'stop' all.
 *
 * A hand-written client: it parses nothing but the end of each (fixed, 2-byte body) response, so
 * it needs several times less CPU per request than the server it loads (Node's http.Agent needs
 * about as much as the server, and the two would share the machine's two cores evenly).
 */

const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
const END = '\r\n\r\nok';
const BOUND_MS = 10_000;

interface Run {
  port: number;
  connections: number;
  warmMs: number;
  ms: number;
}

interface Client {
  socket: net.Socket;
  closed: boolean;
}

/** One port's sockets and the state of the run on them. */
class Pool {
  readonly clients: Client[] = [];
  sending = false;
  counting = false;
  requests = 0;
  failed = 0;
  outstanding = 0;
  #idle: (() => void) | undefined;

  constructor(readonly port: number) {}

  async fill(connections: number): Promise<void> {
    for (let k = this.clients.length - 1; k >= 0; k--) if (this.clients[k]!.closed) this.clients.splice(k, 1);
    const opening: Array<Promise<void>> = [];
    while (this.clients.length < connections) opening.push(this.#open());
    await Promise.all(opening);
  }

  #open(): Promise<void> {
    const socket = net.connect({ port: this.port, host: '127.0.0.1', noDelay: true });
    const client: Client = { socket, closed: false };
    this.clients.push(client);
    let pending = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      pending = pending.length === 0 ? chunk : pending + chunk;
      if (!pending.endsWith(END)) return;
      if (!pending.startsWith('HTTP/1.1 200 ') || !pending.includes('Connection: keep-alive')) this.failed++;
      pending = '';
      if (this.counting) this.requests++;
      if (this.sending) return void socket.write(REQUEST);
      if (--this.outstanding === 0) this.#idle?.();
    });
    socket.on('error', () => this.failed++);
    socket.on('close', () => {
      client.closed = true;
      // Mid-request, or during a run: the server dropped a request. Idle keep-alive sockets the
      // server closed between runs (keepAliveTimeout) are just reopened by the next fill().
      if (this.sending || pending.length > 0) this.failed++;
      if (!this.sending && pending.length > 0 && --this.outstanding === 0) this.#idle?.();
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
  }

  async run(warmMs: number, ms: number): Promise<{ requests: number; elapsedMs: number; failed: number }> {
    this.requests = 0;
    this.failed = 0;
    this.sending = true;
    for (const client of this.clients) client.socket.write(REQUEST);
    await new Promise((r) => setTimeout(r, warmMs));
    this.counting = true;
    const began = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    const elapsedMs = performance.now() - began;
    this.counting = false;
    // Every socket has one request out: let each finish.
    this.outstanding = this.clients.length;
    this.sending = false;
    await new Promise<void>((resolve, reject) => {
      this.#idle = resolve;
      setTimeout(() => reject(new Error(`load: ${this.outstanding} responses missing ${BOUND_MS} ms after the run`)), BOUND_MS).unref();
    });
    this.#idle = undefined;
    return { requests: this.requests, elapsedMs, failed: this.failed };
  }

  close(): Promise<void> {
    return Promise.all(this.clients.filter((c) => !c.closed).map((c) => new Promise<void>((resolve) => (c.socket.once('close', () => resolve()), c.socket.end())))).then(() => {});
  }
}

const pools = new Map<number, Pool>();

serve(async (message) => {
  if (message.cmd === 'ready') return {};
  if (message.cmd === 'stop') {
    await Promise.all([...pools.values()].map((p) => p.close()));
    return {};
  }
  if (message.cmd === 'forget') {
    // Its server is about to stop: close our sockets to it first.
    const port = message.port as number;
    await pools.get(port)?.close();
    pools.delete(port);
    return {};
  }
  if (message.cmd !== 'run') throw new Error(`load: unknown command ${message.cmd}`);
  const { port, connections, warmMs, ms } = message as unknown as Run;
  let pool = pools.get(port);
  if (!pool) pools.set(port, (pool = new Pool(port)));
  await pool.fill(connections);
  return pool.run(warmMs, ms);
});
