import { ConnectionsLostError, ForceClosedError } from '@quiesce/core/kit';

/**
 * The stop ran into its force reserve: the pool's busy connections were killed server-side
 * (`KILL <id>`) and every socket destroyed, inside the node's time. What ran on them was cut.
 * `instanceof ForceClosedError` (core/kit) holds.
 */
export class MysqlForceClosedError extends ForceClosedError {
  override readonly name = 'MysqlForceClosedError';
  override readonly code = 'QUIESCE_MYSQL_FORCE_CLOSED';
  constructor(node: string, connections: number, killed: number) {
    super(node, 'mysql pool', connections, killed, ['thread', 'threads', 'killed']);
  }
}

/**
 * Connections of the pool died under it after shutdown was requested (server gone, thread killed
 * by an administrator, network cut): what ran on them failed at its callers.
 */
export class MysqlConnectionsLostError extends ConnectionsLostError {
  override readonly name = 'MysqlConnectionsLostError';
  override readonly code = 'QUIESCE_MYSQL_CONNECTIONS_LOST';
  constructor(node: string, lost: number, cause: unknown) {
    super(node, 'mysql pool', lost, cause);
  }
}
