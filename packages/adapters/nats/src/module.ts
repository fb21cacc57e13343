import { type LifecycleModule, type Token } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import type { NatsConnection } from '@nats-io/nats-core';
import { defineNatsConnection } from './connection.js';
import type { NatsConnectionOptions, NatsSubscriptionOptions } from './options.js';
import { natsSubscription, type NatsSubscriber } from './subscription.js';

export interface NatsModuleOptions {
  /** Module name, and the connection's token unless `connection.token` is given. Default 'nats'. */
  name?: string;
  connection: NatsConnectionOptions & { token?: Token<NatsConnection> };
  /** Each subscription's token defaults to `<name>.subscription.<subject>`. */
  subscriptions?: Array<Omit<NatsSubscriptionOptions, 'connection'> & { token?: Token<NatsSubscriber> }>;
}

/** A connection plus its subscriptions, ready for `app.load(natsModule({...}))`. Options are validated here, not at load. */
export function natsModule(options: NatsModuleOptions): LifecycleModule {
  const name = options.name ?? 'nats';
  const { token: connectionToken = name, ...connectionOptions } = options.connection ?? ({} as NatsModuleOptions['connection']);
  parseOptions(moduleTokenSchema, { token: options.connection?.token }, 'natsModule');
  const connection = defineNatsConnection({ ...connectionOptions, name: connectionOptions.name ?? (typeof connectionToken === 'string' ? connectionToken : undefined) }, 'natsModule');
  const subscriptions = (options.subscriptions ?? []).map(({ token, ...subscription }) => ({
    token: token ?? `${name}.subscription.${subscription.subject}`,
    definition: natsSubscription({ ...subscription, connection: connectionToken }),
  }));
  return lifecycleModule(name, (app) => {
    app.resource(connectionToken, connection);
    for (const s of subscriptions) app.resource(s.token, s.definition);
  });
}
