/** The service's resources, by token. Names are what the graph and the report show. */
export const Db = Symbol('db');
export const Cache = Symbol('cache');
export const Amqp = Symbol('amqp');
export const Schema = Symbol('schema');
export const AuditLog = Symbol('audit-log');
export const CacheWarmer = Symbol('cache-warmer');
export const OrdersConsumer = Symbol('orders-consumer');
export const Http = Symbol('http');
export const OrderFeed = Symbol('order-feed');
