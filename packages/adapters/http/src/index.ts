export { httpServer } from './http-server.js';
export { httpModule, type HttpModuleOptions } from './module.js';
export { readinessHandler, livenessHandler, probeRouter, type HealthSource, type ProbeRouter } from './probes.js';
export { httpServerOptionsSchema, type HttpServerOptions, type HttpServerLike, type ProbeOptions } from './options.js';
export { FORCED_CLOSE_WARNING } from './forced-warning.js';
export { UPGRADE_OWNER } from './connection.js';
export { HttpListenError, HttpNotAServerError, HttpResponsesLostError, HttpServerAlreadyListeningError, HttpServerAlreadyStartedError } from './errors.js';
