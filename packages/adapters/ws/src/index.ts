export { wsServer } from './ws-server.js';
export { wsModule } from './module.js';
export { WebSocketService } from './service.js';
export { UPGRADE_OWNER } from './owner.js';
export { TERMINATED_WARNING, type StopOutcome } from './report.js';
export type { CloseCounts } from './clients.js';
export { wsServerOptionsSchema, type WsServerOptions, type WsModuleOptions, type SharedServer } from './options.js';
export { WsMisuseError, WsNotAServerError, WsForeignServiceError, WsClientsLostError } from './errors.js';
