import { type LifecycleModule, type Token } from '@quiesce/core';
import { lifecycleModule, moduleBinding } from '@quiesce/core/kit';
import type { NatsConnection } from '@nats-io/nats-core';
import { defineNatsConnection } from './connection.js';
import type { NatsConnectionOptions, NatsSubscriptionOptions } from './options.js';
import { natsSubscription, type NatsSubscriber } from './subscription.js';

export interface NatsModuleOptions {
  /** Module name and the connection's node name: `name`, else the name of `connection.token`, else 'nats'. */
  name?: string;
  /** The connection node's options, and its token (default: its node name). */
  connection: NatsConnectionOptions & { token?: Token<NatsConnection> };
  /** Each subscription's token defaults to `<name>.subscription.<subject>`; its `connectionToken` is the module's connection. */
  subscriptions?: Array<Omit<NatsSubscriptionOptions, 'connectionToken'> & { token?: Token<NatsSubscriber> }>;
}

/** A connection plus its subscriptions, ready for `app.load(natsModule({...}))`. Options are validated here, not at load. */
export function natsModule(options: NatsModuleOptions): LifecycleModule {
  const { token: _token, ...connectionOptions } = options.connection ?? ({} as NatsModuleOptions['connection']);
  const { name, token: connectionToken } = moduleBinding('natsModule', { token: options.connection?.token, name: options.name }, 'nats');
  const connection = defineNatsConnection({ ...connectionOptions, name: connectionOptions.name ?? name }, 'natsModule');
  const subscriptions = (options.subscriptions ?? []).map(({ token, ...subscription }) => ({
    token: token ?? `${name}.subscription.${subscription.subject}`,
    definition: natsSubscription({ ...subscription, connectionToken }),
  }));
  return lifecycleModule(name, (app) => {
    app.resource(connectionToken, connection);
    for (const s of subscriptions) app.resource(s.token, s.definition);
  });
}
