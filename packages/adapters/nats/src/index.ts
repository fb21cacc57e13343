export { natsConnection, DEFAULT_RESERVE_MS } from './connection.js';
export { natsSubscription, NatsSubscriber } from './subscription.js';
export { natsModule, type NatsModuleOptions } from './module.js';
export { FORCE_RESERVE_MS } from './force.js';
export { NatsConnectionLostError, NatsDrainUnconfirmedError, NatsForceClosedError, NatsHandlersAbandonedError } from './errors.js';
export type { HandlerContext, MsgHandler, NatsConnectionOptions, NatsSubscriptionOptions } from './options.js';
