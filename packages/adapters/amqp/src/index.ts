export { amqpConnection, type AmqpConnection, type AmqpConnectionOptions } from './connection.js';
export { amqpConsumer, AmqpConsumer, type AmqpConsumerOptions, type AmqpConsumerStats, type AmqpHandler } from './consumer.js';
export { amqpPublisher, type AmqpPublisherOptions } from './publisher.js';
export { amqpModule, type AmqpModuleOptions } from './module.js';
export { AmqpChannelLostError, AmqpConnectionLostError, AmqpUnconfirmedError } from './errors.js';
