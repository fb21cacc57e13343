import { type LifecycleModule, type Token } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import type { ChannelModel } from 'amqplib';
import { amqpConnection, type AmqpConnectionOptions } from './connection.js';
import { amqpConsumer, type AmqpConsumer, type AmqpConsumerOptions } from './consumer.js';

export interface AmqpModuleOptions {
  /** Module name, and the connection's token unless `connection.token` is given. Default 'amqp'. */
  name?: string;
  connection: AmqpConnectionOptions & { token?: Token<ChannelModel> };
  /** Each consumer's token defaults to `<name>.consumer.<queue>`. */
  consumers?: Array<Omit<AmqpConsumerOptions, 'connection'> & { token?: Token<AmqpConsumer> }>;
}

/** A connection plus its consumers, ready for `app.load(amqpModule({...}))`. Options are validated here, not at load. */
export function amqpModule(options: AmqpModuleOptions): LifecycleModule {
  const name = options.name ?? 'amqp';
  const { token: connectionToken = name, ...connectionOptions } = options.connection ?? ({} as AmqpModuleOptions['connection']);
  parseOptions(moduleTokenSchema, { token: options.connection?.token }, 'amqpModule');
  const connection = amqpConnection(connectionOptions);
  const consumers = (options.consumers ?? []).map(({ token, ...consumer }) => ({
    token: token ?? `${name}.consumer.${consumer.queue}`,
    definition: amqpConsumer({ ...consumer, connection: connectionToken }),
  }));
  return lifecycleModule(name, (app) => {
    app.resource(connectionToken, connection);
    for (const c of consumers) app.resource(c.token, c.definition);
  });
}
