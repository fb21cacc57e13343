export { mysqlPool, DEFAULT_RESERVE_MS, FORCE_RESERVE_MS } from './pool.js';
export { MysqlConnectionsLostError, MysqlForceClosedError } from './errors.js';
export { mysqlModule } from './module.js';
export type { MysqlModuleOptions, MysqlPoolOptions } from './options.js';
export type { MysqlPool } from './driver.js';
