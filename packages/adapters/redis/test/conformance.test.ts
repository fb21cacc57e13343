import { LifecycleContainer, type InFlight } from '@quiesce/core';
import { startRedis, type RedisServer } from '@quiesce/test-servers';
import { conformance } from '@quiesce/test-servers/conformance';
import { ioredisClient, nodeRedisClient } from '../src/index.js';
import { DRIVERS, type TestClient } from './drivers.js';

interface Held {
  readonly client: TestClient;
  /** The node's in-flight counter: the work a service does through the client. */
  readonly inFlight: InFlight;
}

for (const driver of DRIVERS) {
  let key = 0;
  conformance<Held, RedisServer>({
    adapter: `redis (${driver.name})`,
    node: 'cache',
    startServer: () => startRedis({ useEnv: false }),
    startApp: async (server, { stopTimeoutMs, shutdownTimeoutMs }) => {
      const app = new LifecycleContainer({ shutdownTimeoutMs });
      app.resource('cache', driver.resource(server.url, stopTimeoutMs));
      await app.start();
      return { app, resource: { client: driver.client(app.get('cache')), inFlight: app.inFlight('cache') } };
    },
    // A blocking pop that times out after `ms` on the server (nothing pushes): done when it returns.
    work: ({ client, inFlight }, _server, ms) => inFlight.run(async () => (await client.blpop(`conformance:${++key}`, ms / 1000), 'done')),
    completed: (result) => result === 'done',
    hang: ({ client, inFlight }) => inFlight.run(() => client.blpop(`conformance:hang:${++key}`, 0)),
    tryNew: ({ client, inFlight }) => inFlight.run(() => client.set(`conformance:${++key}`, 'x')),
    badOptions: [
      { options: () => ioredisClient({ config: 'http://127.0.0.1:6379' }), field: 'config' },
      { options: () => ioredisClient({ client: {} as never }), field: 'client' },
      { options: () => nodeRedisClient({ config: 42 as never }), field: 'config' },
      { options: () => ioredisClient({ config: 'redis://127.0.0.1:6379', stopTimeoutMs: -1 }), field: 'stopTimeoutMs' },
    ],
  });
}
