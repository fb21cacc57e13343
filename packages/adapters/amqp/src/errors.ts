import { AdapterError, ConnectionsLostError, describeError } from '@quiesce/core/kit';

/**
 * The broker closed the connection (CONNECTION_FORCED, a failover) or it was lost (reset, heartbeat
 * timeout) before the node closed it: the node did not stop cleanly, whatever it still owned was
 * cut by the other side. `cause` is amqplib's error. `instanceof ConnectionsLostError` (core/kit)
 * holds; `lost` is always 1 (one connection per node). amqplib does not reconnect, so a connection
 * lost before the shutdown request is found (and reported) by the stop the same way.
 */
export class AmqpConnectionLostError extends ConnectionsLostError {
  override readonly name = 'AmqpConnectionLostError';
  override readonly code = 'QUIESCE_AMQP_CONNECTION_LOST';
  constructor(node: string, cause: unknown) {
    super(node, 'amqp connection', 1, cause, 'before the node closed it');
  }
}

/**
 * A consumer's channel closed under it (its connection lost, or the broker closed the channel):
 * the handled-but-unacked deliveries can no longer be acked, and the broker hands them out again.
 */
export class AmqpChannelLostError extends AdapterError {
  override readonly name = 'AmqpChannelLostError';
  override readonly code = 'QUIESCE_AMQP_CHANNEL_LOST';
  constructor(
    node: string,
    readonly queue: string,
    /** Deliveries received but not acked/nacked when the channel closed: the broker redelivers them. */
    readonly redelivered: number,
    override readonly cause: unknown,
  ) {
    super(node, `amqp consumer on "${queue}": channel closed before its deliveries were settled (${describeError(cause)}); ${redelivered} unacked ${redelivered === 1 ? 'delivery' : 'deliveries'} will be redelivered`, { cause });
  }
}

/**
 * A publisher's confirm channel closed under it with publishes the broker had not confirmed:
 * they may or may not have been stored (their confirm callbacks got "channel closed").
 */
export class AmqpUnconfirmedError extends AdapterError {
  override readonly name = 'AmqpUnconfirmedError';
  override readonly code = 'QUIESCE_AMQP_UNCONFIRMED';
  constructor(
    node: string,
    readonly unconfirmed: number,
    override readonly cause: unknown,
  ) {
    super(node, `amqp publisher: channel closed before the broker confirmed ${unconfirmed} ${unconfirmed === 1 ? 'publish' : 'publishes'} (${describeError(cause)}); they may not have been stored`, { cause });
  }
}
