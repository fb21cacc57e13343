import * as grpc from '@grpc/grpc-js';
import { LifecycleContainer } from '@quiesce/core';
import { conformance, PeerError, startPeer, pollUntil, type PeerProcess } from '@quiesce/test-servers/conformance';
import { grpcServer, type GrpcService } from '../src/index.js';

/**
 * The adapter contract (issue #27) for a gRPC server: the peer it depends on is its client, so the
 * suite's "server" is a process of grpc-js clients (conformance-peer.mjs) it freezes and kills.
 *
 * One unit of work is a unary call (on a channel of its own) that the handler answers after `ms`;
 * done in full when the client has the answer.
 */
interface Served {
  port: number;
  /** Calls that reached a handler. */
  arrived: number;
}

const serialize = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8'));
const method = (name: string) => ({ path: `/test.Orders/${name}`, requestStream: false, responseStream: false, requestSerialize: serialize, requestDeserialize: deserialize, responseSerialize: serialize, responseDeserialize: deserialize });
const Orders = { place: method('Place'), hang: method('Hang') } satisfies grpc.ServiceDefinition;

let id = 0;

function call(peer: PeerProcess, port: number, name: 'place' | 'hang', ms = 0): Promise<{ placed: number; after: number }> {
  return peer.call({ op: 'unary', port, method: name, request: { id: ++id, ms } });
}

conformance<Served, PeerProcess>({
  adapter: 'grpc',
  node: 'grpc',
  startServer: () => startPeer(new URL('./conformance-peer.mjs', import.meta.url)),
  startApp: async (_peer, { stopTimeoutMs, shutdownTimeoutMs }) => {
    const served: Served = { port: 0, arrived: 0 };
    const app = new LifecycleContainer({ shutdownTimeoutMs });
    app.resource('grpc', grpcServer({ create: () => new grpc.Server(), port: 0, stopTimeoutMs }));
    const service = app.get<GrpcService>('grpc');
    service.addService(Orders, {
      place: (c: grpc.ServerUnaryCall<{ id: number; ms: number }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        served.arrived++;
        setTimeout(() => callback(null, { placed: c.request.id, after: c.request.ms }), c.request.ms);
      },
      hang: () => void served.arrived++,
    });
    await app.start();
    served.port = service.port!;
    return { app, resource: served };
  },
  work: ({ port }, peer, ms) => call(peer, port, 'place', ms),
  completed: (answer) => typeof (answer as { placed?: unknown }).placed === 'number',
  hang: ({ port }, peer) => call(peer, port, 'hang'),
  // A new call (a new channel) once the stop began: UNAVAILABLE (GOAWAY sent, the port closed, or refused by the call tracker).
  tryNew: async ({ port }, peer) => {
    const answer = await call(peer, port, 'place', 0);
    if (typeof answer.placed !== 'number') throw new PeerError(`unexpected answer ${JSON.stringify(answer)}`);
    return answer;
  },
  reached: (served, _peer, count) => pollUntil(() => served.arrived >= count),
  badOptions: [
    { options: () => grpcServer({ port: 0 }), field: 'server' },
    { options: () => grpcServer({ create: () => new grpc.Server(), port: 70_000 }), field: 'port' },
    { options: () => grpcServer({ create: () => new grpc.Server(), port: 0, health: { services: [''] } }), field: 'health.services.0' },
    { options: () => grpcServer({ create: () => new grpc.Server(), port: 0, credentials: {} as never }), field: 'credentials' },
    { options: () => grpcServer({ create: () => new grpc.Server(), port: 0, stopTimeoutMs: -1 }), field: 'stopTimeoutMs' },
  ],
});
