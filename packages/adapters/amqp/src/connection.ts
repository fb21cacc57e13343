import { type ResourceDefinition, type ResourceOptions } from '@quiesce/core';
import { exactlyOneOf, lazySchema, lifecycleFields, onAbort, parseOptions, renamedFields, resourceOptionsSchema } from '@quiesce/core/kit';
import { connect, type ChannelModel, type Options } from 'amqplib';
import type { Duplex } from 'node:stream';
import { closeOrLost } from './close.js';
import { AmqpConnectionLostError } from './errors.js';

/** What `amqplib.connect()` resolves to (the promise API's connection). */
export type AmqpConnection = ChannelModel;

export interface AmqpConnectionOptions extends ResourceOptions {
  /** An already open connection to adopt: it is closed on stop like one opened here. Exactly one of `connection` and `config`. */
  connection?: ChannelModel;
  /** What to connect with: `amqp://user:pass@host:5672/vhost?heartbeat=30` or amqplib's object form. (0.x: was `url`.) */
  config?: string | Options.Connect;
  /** amqplib's second `connect()` argument (`timeout`, `noDelay`, `keepAlive`, TLS options, `clientProperties`...). */
  socketOptions?: Record<string, unknown>;
}

const connectionSchema = lazySchema((z) =>
  resourceOptionsSchema()
    .extend({
      connection: z
        .custom<ChannelModel>((v) => typeof (v as ChannelModel | null)?.createChannel === 'function', 'expected a connection from amqplib connect()')
        .optional(),
      config: z.union([z.string().regex(/^amqps?:\/\//, 'expected an amqp:// or amqps:// URL'), z.record(z.string(), z.unknown())]).optional(),
      socketOptions: z.record(z.string(), z.unknown()).optional(),
      ...renamedFields(z, { url: 'config' }),
    })
    .superRefine(exactlyOneOf('connection', 'config', 'give `connection` (from amqplib connect()) or `config` (an amqp:// URL or amqplib connect options)'))
    .superRefine((o, ctx) => {
      if (o.connection !== undefined && o.socketOptions !== undefined) ctx.addIssue({ code: 'custom', path: ['socketOptions'], message: 'only used together with `config`' });
    }),
);

// amqplib flags closing only on internals; WeakMaps keep "already gone" out of the driver object.
const closedConnections = new WeakSet<ChannelModel>();
/** Connections that closed before we asked, with amqplib's cause (undefined for a clean close of ours). */
const lostConnections = new WeakMap<ChannelModel, unknown>();
const closeRequested = new WeakSet<ChannelModel>();

function watch(conn: ChannelModel): ChannelModel {
  // ChannelModel re-emits the socket's 'error' (ECONNRESET, heartbeat timeout, server close):
  // without a listener that is an uncaught exception. 'close' always follows it, with the cause
  // (CONNECTION_FORCED is not emitted as 'error' at all, only as the 'close' argument).
  conn.on('error', () => {});
  conn.on('close', (cause: unknown) => {
    closedConnections.add(conn);
    if (!closeRequested.has(conn)) lostConnections.set(conn, cause ?? new Error('connection closed'));
  });
  return conn;
}

/**
 * The connection as a lifecycle resource: `app.resource('amqp', amqpConnection({ config: 'amqp://…' }))`.
 * Connects in `create`; `stop` runs after every consumer/publisher on it has settled (they depend
 * on it) and closes it, which closes its remaining channels (the broker requeues their unacked
 * messages). When the stop's time is up the socket is destroyed.
 */
export function amqpConnection(options: AmqpConnectionOptions): ResourceDefinition<ChannelModel> {
  const parsed = parseOptions(connectionSchema, options, 'amqpConnection');
  const { config, connection, socketOptions } = parsed;
  return {
    ...lifecycleFields(parsed).lifecycle,
    // amqplib's `timeout` bounds the whole handshake; tied to startTimeoutMs, a connect cannot
    // succeed (and leak) after the start already timed out.
    create: async () => watch(connection ?? (await connect(config as string | Options.Connect, { timeout: parsed.startTimeoutMs, ...socketOptions }))),
    // close() waits for the broker's Close-Ok; a broker that never answers would hold the socket
    // open. Registered in quiesce so it also covers a drain of work tracked on this node.
    quiesce: (conn, { signal, name }) =>
      onAbort(signal, () => {
        if (!closedConnections.has(conn)) (conn.connection as unknown as { stream: Duplex }).stream.destroy(new Error(`${name}: amqp connection: stop timed out, socket destroyed`));
      }),
    stop: async (conn, ctx) => {
      if (!closedConnections.has(conn)) {
        closeRequested.add(conn);
        try {
          await closeOrLost(conn);
        } catch (error) {
          if (!closedConnections.has(conn)) throw error;
        }
      }
      // Gone before (or while) we closed it: the broker or the network cut it, not us.
      if (lostConnections.has(conn)) throw new AmqpConnectionLostError(ctx.name, lostConnections.get(conn));
    },
  };
}
