import { type Resolver, type Token } from '@quiesce/core';
import { exactlyOneOf, lazySchema, renamedFields, resourceOptionsSchema, tokenSchema } from '@quiesce/core/kit';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import type { z } from 'zod';

export const natsConnectionOptionsSchema = lazySchema((z) => {
  const connectionInstance = z.custom<NatsConnection>(
    (v) => typeof v === 'object' && v !== null && ['drain', 'close', 'closed', 'flush', 'subscribe', 'publish'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    'expected a NatsConnection (from connect() of @nats-io/transport-node)',
  );
  return resourceOptionsSchema()
    .extend({
      /** An existing connection (the container still drains it at shutdown). */
      connection: connectionInstance.optional(),
      /** Or a function of the resolver that connects, called when the node is first resolved: `() => connect({ servers })`. (0.x: was `connect`.) */
      create: z.custom<(resolver: Resolver) => Promise<NatsConnection>>((v) => typeof v === 'function', 'expected a function returning a NatsConnection').optional(),
      ...renamedFields(z, { connect: 'create' }),
    })
    .superRefine(exactlyOneOf('connection', 'create', 'give `connection` (a NatsConnection) or `create` (a function that connects)'));
});

type Lifecycle<L extends () => z.ZodType> = Omit<z.input<ReturnType<L>>, 'dependsOn'> & { dependsOn?: readonly unknown[] };

export type NatsConnectionOptions = Omit<Lifecycle<typeof natsConnectionOptionsSchema>, 'connection' | 'create' | 'connect'> & {
  /** An existing connection (the container still drains it at shutdown). Exactly one of `connection` and `create`. */
  connection?: NatsConnection;
  /** Connects when the node is first resolved; `get` resolves other bindings: `() => connect({ servers })`. */
  create?: (resolver: Resolver) => Promise<NatsConnection>;
};

/** What a handler receives besides the message: its signal aborts when the subscription's time is up. */
export interface HandlerContext {
  readonly signal: AbortSignal;
}

export type MsgHandler = (msg: Msg, ctx: HandlerContext) => unknown;

export const natsSubscriptionOptionsSchema = lazySchema((z) =>
  resourceOptionsSchema().extend({
    /** The token of the connection node (a natsConnection resource); the subscription depends on it. (0.x: was `connection`.) */
    connectionToken: tokenSchema(),
    ...renamedFields(z, { connection: 'connectionToken' }),
    subject: z.string().min(1).refine((s) => !/\s/.test(s), 'must not contain whitespace'),
    /** Queue group: the server gives each message to one member of the group. */
    queue: z.string().min(1).refine((s) => !/\s/.test(s), 'must not contain whitespace').optional(),
    /** Called for every message; the subscription's stop waits for the promises it returns. */
    handler: z.custom<MsgHandler>((v) => typeof v === 'function', 'expected a function (msg, { signal }) => unknown'),
  }),
);

export type NatsSubscriptionOptions = Omit<Lifecycle<typeof natsSubscriptionOptionsSchema>, 'connectionToken' | 'connection' | 'handler'> & {
  connectionToken: Token<NatsConnection>;
  handler: MsgHandler;
};
