import { AdapterError, ConnectionsLostError, ForceClosedError } from '@quiesce/core/kit';

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The connection's drain did not finish before the force reserve (a frozen or unreachable server
 * never answers the flush): the connection was closed. Publishes still in the client's outbound
 * buffer may not have been sent. The kit's ForceClosedError (`instanceof ForceClosedError`, the
 * node on `error.node`): one connection, and nothing of it runs server-side to kill, so `killed`
 * is 0 and the message says nothing of server-side work.
 */
export class NatsForceClosedError extends ForceClosedError {
  override readonly name = 'NatsForceClosedError';
  override readonly code = 'QUIESCE_NATS_FORCE_CLOSED';
  constructor(node: string) {
    super(node, 'nats connection', 1, 0, undefined, 'drain did not finish, publishes not yet flushed may be lost');
  }
}

/**
 * The connection closed with an error during shutdown (server gone, auth revoked), or had closed
 * with one before its stop (reconnects exhausted): what was buffered on it may not have reached
 * the server. `instanceof ConnectionsLostError` (core/kit) holds; `lost` is always 1.
 */
export class NatsConnectionLostError extends ConnectionsLostError {
  override readonly name = 'NatsConnectionLostError';
  override readonly code = 'QUIESCE_NATS_CONNECTION_LOST';
  constructor(node: string, cause: unknown) {
    super(node, 'nats connection', 1, cause);
  }
}

/**
 * The subscription's drain (UNSUB, then a PING the server answers after every message it sent
 * before) was not confirmed by the force reserve: the handlers started were waited for, but
 * messages still in transit were not dispatched.
 */
export class NatsDrainUnconfirmedError extends AdapterError {
  override readonly name = 'NatsDrainUnconfirmedError';
  override readonly code = 'QUIESCE_NATS_DRAIN_UNCONFIRMED';
  constructor(
    node: string,
    readonly subject: string,
  ) {
    super(node, `nats subscription "${subject}": the server did not confirm the drain before the force reserve; messages in transit may be lost`);
  }
}

/**
 * The subscription's handlers were still running when its time was up: their signal was aborted
 * and the node stopped waiting. Core NATS does not redeliver: those messages may be half handled.
 */
export class NatsHandlersAbandonedError extends AdapterError {
  override readonly name = 'NatsHandlersAbandonedError';
  override readonly code = 'QUIESCE_NATS_HANDLERS_ABANDONED';
  constructor(
    node: string,
    readonly subject: string,
    readonly running: number,
  ) {
    super(node, `nats subscription "${subject}": ${plural(running, 'handler was', 'handlers were')} still running at the force reserve (aborted; core NATS does not redeliver)`);
  }
}
