import { ConnectionsLostError, ForceClosedError } from '@quiesce/core/kit';

/**
 * The stop ran into its force reserve: the pool's remaining backends were terminated server-side
 * and its sockets destroyed, inside the node's time. Whatever ran on them was cut (callers got
 * PostgreSQL's 57P01 or a connection error). `instanceof ForceClosedError` (core/kit) holds.
 */
export class PgForceClosedError extends ForceClosedError {
  override readonly name = 'PgForceClosedError';
  override readonly code = 'QUIESCE_PG_FORCE_CLOSED';
  constructor(
    node: string,
    connections: number,
    /** Of those, the backends terminated server-side (0 when the server could not be reached). */
    readonly terminated: number,
  ) {
    super(node, 'pg pool', connections, terminated, ['backend', 'backends', 'terminated']);
  }
}

/**
 * Connections of the pool died under it after shutdown was requested (server killed, backend
 * terminated by an administrator, network cut): what ran on them failed at its callers.
 */
export class PgConnectionsLostError extends ConnectionsLostError {
  override readonly name = 'PgConnectionsLostError';
  override readonly code = 'QUIESCE_PG_CONNECTIONS_LOST';
  constructor(node: string, lost: number, cause: unknown) {
    super(node, 'pg pool', lost, cause);
  }
}
