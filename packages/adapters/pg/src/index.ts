export { pgPool, DEFAULT_RESERVE_MS, FORCE_RESERVE_MS } from './pool.js';
export { PgConnectionsLostError, PgForceClosedError } from './errors.js';
export { pgModule } from './module.js';
export type { PgPoolOptions, PgModuleOptions } from './options.js';
