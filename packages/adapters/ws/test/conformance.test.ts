import { LifecycleContainer } from '@quiesce/core';
import { conformance, startPeer, pollUntil, type PeerProcess } from '@quiesce/test-servers/conformance';
import { wsServer, type WebSocketService } from '../src/index.js';
import { portOf } from './support.js';

/**
 * The adapter contract (issue #27) for a WebSocket server: the peer it depends on is its client,
 * so the suite's "server" is a process of clients (conformance-peer.mjs) it freezes and kills.
 *
 * One unit of work is a client that connects, sends one message, and gets the reply of the
 * message handler (run through `service.onMessage`, so counted as the node's work) after `ms`;
 * done in full when the reply arrived and then the clean close (1001) the stop sends after it.
 */
interface Served {
  port: number;
  /** Messages handed to the handler. */
  arrived: number;
}

interface Exchange {
  replies: string[];
  closeCode: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function exchange(peer: PeerProcess, port: number, message: { ms?: number; hang?: true }): Promise<Exchange> {
  return peer.call<Exchange>({ op: 'ws', port, message });
}

conformance<Served, PeerProcess>({
  adapter: 'ws',
  node: 'ws',
  startServer: () => startPeer(new URL('./conformance-peer.mjs', import.meta.url)),
  startApp: async (_peer, { stopTimeoutMs, shutdownTimeoutMs }) => {
    const served: Served = { port: 0, arrived: 0 };
    const app = new LifecycleContainer({ shutdownTimeoutMs });
    app.resource(
      'ws',
      wsServer({
        port: 0,
        stopTimeoutMs,
        onConnection: (socket, _req, service) =>
          service.onMessage(socket, async (data) => {
            served.arrived++;
            const { ms, hang } = JSON.parse(String(data)) as { ms?: number; hang?: true };
            if (hang) return new Promise(() => {});
            await sleep(ms ?? 0);
            // A client gone meanwhile: ws drops what is sent to a closed socket.
            socket.send(JSON.stringify({ done: ms }));
          }),
      }),
    );
    await app.start();
    served.port = portOf(app.get<WebSocketService>('ws').server);
    return { app, resource: served };
  },
  work: ({ port }, peer, ms) => exchange(peer, port, { ms }),
  completed: (result) => {
    const { replies, closeCode } = result as Exchange;
    return replies.length === 1 && JSON.parse(replies[0]!).done !== undefined && closeCode === 1001;
  },
  hang: ({ port }, peer) => exchange(peer, port, { hang: true }),
  // A new client once the stop began: its upgrade is answered 503.
  tryNew: ({ port }, peer) => exchange(peer, port, { ms: 0 }),
  reached: (served, _peer, count) => pollUntil(() => served.arrived >= count),
  badOptions: [
    { options: () => wsServer({}), field: 'port' },
    { options: () => wsServer({ port: 70_000 }), field: 'port' },
    { options: () => wsServer({ port: 0, closeCode: 1006 }), field: 'closeCode' },
    { options: () => wsServer({ port: 0, path: 'feed' }), field: 'path' },
    { options: () => wsServer({ port: 0, ws: { port: 8080 } as never }), field: 'ws' },
    { options: () => wsServer({ port: 0, stopTimeoutMs: -1 }), field: 'stopTimeoutMs' },
  ],
});
