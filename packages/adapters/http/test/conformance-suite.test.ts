import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LifecycleContainer } from '@quiesce/core';
import { conformance, PeerError, startPeer, pollUntil, type PeerProcess } from '@quiesce/test-servers/conformance';
import { httpServer } from '../src/index.js';

/**
 * The adapter contract (issue #27) for a server: the peer it depends on is its client, so the
 * suite's "server" is a process of clients (conformance-peer.mjs) it freezes and kills. (This
 * repository's test/conformance.test.ts is another suite: what http-terminator, stoppable and
 * terminus promise.)
 *
 * One unit of work is a GET on a new connection that the handler answers after `ms` with a body
 * larger than the loopback socket buffers of both ends can hold together: a client that stops
 * reading (frozen) cannot be sent the whole of it, and a client that is gone cannot be sent any.
 */
const BODY = Buffer.alloc(16 * 1024 * 1024, 'x');
BODY.write('END', BODY.length - 3, 'latin1');

interface Reply {
  status: number;
  connection: string | undefined;
  bytes: number;
  tail: string;
}

/** What the node holds for the test: its port, and how many requests reached the handler. */
interface Served {
  port: number;
  arrived: number;
}

const handler = (served: Served) => (req: http.IncomingMessage, res: http.ServerResponse): void => {
  served.arrived++;
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/hang') return;
  setTimeout(() => {
    // The client may be gone by now (killed): nothing to answer.
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
    res.end(BODY);
  }, Number(url.searchParams.get('ms') ?? 0));
};

async function request(peer: PeerProcess, port: number, path: string): Promise<Reply> {
  const reply = await peer.call<Reply>({ op: 'get', port, path });
  // 503 (a connection accepted while stopping): the request was refused, not run.
  if (reply.status !== 200) throw new PeerError(`answered ${reply.status}`);
  return reply;
}

conformance<Served, PeerProcess>({
  adapter: 'http',
  node: 'http',
  startServer: () => startPeer(new URL('./conformance-peer.mjs', import.meta.url)),
  startApp: async (_peer, { stopTimeoutMs, shutdownTimeoutMs }) => {
    const app = new LifecycleContainer({ shutdownTimeoutMs });
    const served: Served = { port: 0, arrived: 0 };
    const server = http.createServer(handler(served));
    app.resource('http', httpServer({ server, port: 0, stopTimeoutMs }));
    await app.start();
    served.port = (server.address() as AddressInfo).port;
    return { app, resource: served };
  },
  // The peer's requests reach the handler (a process of its own, on a loaded machine: not always within 100 ms).
  reached: (served, _peer, count) => pollUntil(() => served.arrived >= count),
  work: ({ port }, peer, ms) => request(peer, port, `/work?ms=${ms}`),
  completed: (reply) => {
    const r = reply as Reply;
    return r.status === 200 && r.bytes === BODY.length && r.tail.endsWith('END');
  },
  hang: ({ port }, peer) => request(peer, port, '/hang'),
  tryNew: ({ port }, peer) => request(peer, port, '/work?ms=0'),
  badOptions: [
    { options: () => httpServer({ port: 0 }), field: 'server' },
    { options: () => httpServer({ server: http.createServer(), port: 70_000 }), field: 'port' },
    { options: () => httpServer({ server: http.createServer(), port: 0, listen: { backlog: 0 } }), field: 'listen.backlog' },
    { options: () => httpServer({ server: http.createServer(), port: 0, probes: { readiness: 'readyz', health: () => ({ ready: true, live: true }) as never } }), field: 'probes.readiness' },
    { options: () => httpServer({ server: http.createServer(), port: 0, stopTimeoutMs: -1 }), field: 'stopTimeoutMs' },
  ],
});
