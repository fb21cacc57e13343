import * as grpc from '@grpc/grpc-js';
import healthCheck from 'grpc-health-check';
export { memoryLogger, timed } from '@quiesce/test-servers';
import type { GrpcService } from '../src/index.js';

const serialize = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8'));
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.Orders/${name}`,
  requestStream,
  responseStream,
  requestSerialize: serialize,
  requestDeserialize: deserialize,
  responseSerialize: serialize,
  responseDeserialize: deserialize,
});

/** A hand-written service definition (JSON on the wire): no protoc, no .proto file. */
export const OrdersDefinition = {
  place: method('Place', false, false),
  hang: method('Hang', false, false),
  feed: method('Feed', false, true),
  upload: method('Upload', true, false),
} satisfies grpc.ServiceDefinition;

export const OrdersClient = grpc.makeGenericClientConstructor(OrdersDefinition, 'Orders');
export type Client = InstanceType<typeof OrdersClient> & Record<string, (...args: never[]) => unknown>;
export const HealthClient = grpc.makeGenericClientConstructor(healthCheck.service as unknown as grpc.ServiceDefinition, 'Health');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The implementation the tests run: Place answers after `ms`, Hang never answers, Feed sends one
 * item every 20 ms (of `size` bytes) until the server drains, then says so and ends; Upload counts
 * the items a client streams and answers at its end.
 */
export function ordersImplementation(service: () => GrpcService): grpc.UntypedServiceImplementation {
  return {
    place: (call: grpc.ServerUnaryCall<{ id: number; ms: number }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      setTimeout(() => callback(null, { placed: call.request.id }), call.request.ms);
    },
    hang: () => {},
    feed: (call: grpc.ServerWritableStream<{ size?: number; ignoreDrain?: boolean }, unknown>) => {
      let n = 0;
      const payload = 'x'.repeat(call.request.size ?? 1);
      const timer = setInterval(() => call.write({ n: n++, payload }), 20);
      call.on('cancelled', () => clearInterval(timer));
      if (call.request.ignoreDrain) return;
      service().draining.addEventListener('abort', () => {
        clearInterval(timer);
        call.write({ end: 'draining', sent: n });
        call.end();
      });
    },
    upload: (call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      let items = 0;
      call.on('data', () => items++);
      call.on('end', () => callback(null, { items }));
    },
  };
}

export function client(port: number): Client {
  return new OrdersClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client;
}

/** A unary call's outcome: its answer or its status code. */
export function unary(c: Client, name: 'place' | 'hang', request: unknown): Promise<{ ok: unknown } | { code: number; details: string }> {
  return new Promise((resolve) => {
    (c[name] as unknown as (r: unknown, cb: (e: grpc.ServiceError | null, v: unknown) => void) => void)(request, (error, value) => resolve(error ? { code: error.code, details: error.details } : { ok: value }));
  });
}

/** A server stream's items and how it ended (status code). */
export function stream(c: Client, request: unknown): { items: unknown[]; call: grpc.ClientReadableStream<unknown>; ended: Promise<number> } {
  const call = (c.feed as unknown as (r: unknown) => grpc.ClientReadableStream<unknown>)(request);
  const items: unknown[] = [];
  call.on('data', (item: unknown) => items.push(item));
  const ended = new Promise<number>((resolve) => {
    call.on('status', (s: grpc.StatusObject) => resolve(s.code));
    call.on('error', () => {});
  });
  return { items, call, ended };
}

/** A client-streaming Upload call: write to it, end it, read its answer (or status code). */
export function clientStream(c: Client): { writer: grpc.ClientWritableStream<unknown>; answer: Promise<unknown> } {
  let writer!: grpc.ClientWritableStream<unknown>;
  const answer = new Promise((resolve) => {
    writer = (c.upload as unknown as (cb: (e: grpc.ServiceError | null, v: unknown) => void) => grpc.ClientWritableStream<unknown>).call(c, (error, value) => resolve(error ? { code: error.code } : value));
  });
  return { writer, answer };
}

export function healthCheckOf(port: number, service = ''): Promise<string> {
  const health = new HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as { check: (r: unknown, cb: (e: grpc.ServiceError | null, v: { status: string }) => void) => void; close(): void };
  return new Promise((resolve) =>
    health.check({ service }, (error, value) => {
      health.close();
      resolve(error ? `error ${error.code}` : value.status);
    }),
  );
}

export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

