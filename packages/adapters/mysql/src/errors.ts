import { describeError, QuiesceError } from '@quiesce/core';

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The stop ran into its force reserve: the pool's busy connections were killed server-side
 * (`KILL <id>`) and every socket destroyed, inside the node's time. What ran on them was cut.
 */
export class MysqlForceClosedError extends QuiesceError {
  override readonly name = 'MysqlForceClosedError';
  override readonly code = 'QUIESCE_MYSQL_FORCE_CLOSED';
  constructor(
    /** Connections still open when the force path began. */
    readonly connections: number,
    /** Of those, the ones `KILL` confirmed server-side (0 when the server could not be reached). */
    readonly killed: number,
  ) {
    super(`mysql pool: stop did not finish before its force reserve; ${plural(connections, 'connection', 'connections')} force-closed (${plural(killed, 'thread', 'threads')} killed server-side)`);
  }
}

/**
 * Connections of the pool died under it after shutdown was requested (server gone, thread killed
 * by an administrator, network cut): what ran on them failed at its callers.
 */
export class MysqlConnectionsLostError extends QuiesceError {
  override readonly name = 'MysqlConnectionsLostError';
  override readonly code = 'QUIESCE_MYSQL_CONNECTIONS_LOST';
  constructor(
    readonly lost: number,
    override readonly cause: unknown,
  ) {
    super(`mysql pool: ${plural(lost, 'connection was', 'connections were')} lost during shutdown (${describeError(cause)})`, { cause });
  }
}
