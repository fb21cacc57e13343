export { pgPool, DEFAULT_RESERVE_MS } from './pool.js';
export { pgModule } from './module.js';
export type { PgPoolOptions, PgModuleOptions } from './options.js';
