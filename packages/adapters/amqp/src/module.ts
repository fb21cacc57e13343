import { type LifecycleModule, type Token } from '@quiesce/core';
import { lifecycleModule, moduleBinding } from '@quiesce/core/kit';
import type { ChannelModel } from 'amqplib';
import { amqpConnection, type AmqpConnectionOptions } from './connection.js';
import { amqpConsumer, type AmqpConsumer, type AmqpConsumerOptions } from './consumer.js';

export interface AmqpModuleOptions {
  /** Module name and the connection's node name: `name`, else the name of `connection.token`, else 'amqp'. */
  name?: string;
  /** The connection node's options, and its token (default: its node name). */
  connection: AmqpConnectionOptions & { token?: Token<ChannelModel> };
  /** Each consumer's token defaults to `<name>.consumer.<queue>`; its `connectionToken` is the module's connection. */
  consumers?: Array<Omit<AmqpConsumerOptions, 'connectionToken'> & { token?: Token<AmqpConsumer> }>;
}

/** A connection plus its consumers, ready for `app.load(amqpModule({...}))`. Options are validated here, not at load. */
export function amqpModule(options: AmqpModuleOptions): LifecycleModule {
  const { token: _token, ...connectionOptions } = options.connection ?? ({} as AmqpModuleOptions['connection']);
  const { name, token: connectionToken } = moduleBinding('amqpModule', { token: options.connection?.token, name: options.name }, 'amqp');
  const connection = amqpConnection({ ...connectionOptions, name: connectionOptions.name ?? name });
  const consumers = (options.consumers ?? []).map(({ token, ...consumer }) => ({
    token: token ?? `${name}.consumer.${consumer.queue}`,
    definition: amqpConsumer({ ...consumer, connectionToken }),
  }));
  return lifecycleModule(name, (app) => {
    app.resource(connectionToken, connection);
    for (const c of consumers) app.resource(c.token, c.definition);
  });
}
