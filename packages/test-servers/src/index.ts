export { startAllServers, startTestServers, type AllServers, type StartAllOptions, type StartTestServersOptions, type TestServers } from './all.js';
export { APT_PACKAGES, ensureServerBinaries } from './install.js';
export { invalidOptions, type OptionsFailure } from './assertions.js';
export { ServerError, type ServerName } from './errors.js';
export { crash, freeze, thaw } from './faults.js';
export { activeHandles, leftoverHandles, watchProcessErrors, type HandleCounts } from './handles.js';
export { getFreePort, isPortOpen } from './ports.js';
export { startMariaDB, type MariaDBOptions } from './mariadb.js';
export { startNats, type NatsOptions } from './nats.js';
export { startPostgres, type PostgresOptions } from './postgres.js';
export { probeAmqp, probeMariaDB, probeNats, probePostgres, probeRedis } from './probes.js';
export { isAlive, processTree, type ProcessId } from './process-tree.js';
export { startRabbitMQ, type RabbitMQOptions } from './rabbitmq.js';
export { startRedis, type RedisOptions } from './redis.js';
export type { MariaDBServer, NatsServer, PgServer, RabbitMQServer, RedisServer, StartOptions, TestServer } from './types.js';
// Also brings the `declare module 'vitest'` augmentation into any program that imports this package.
export type { ProvidedServers } from './provided-context.js';
export { closedPort, socketsTo, waitFor } from './sockets.js';
export { startHaproxy, type BackendState, type HaproxyOptions, type HaproxyServer } from './haproxy.js';
