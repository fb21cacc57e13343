import { describeError, QuiesceError } from '@quiesce/core';

/**
 * The stop ran into its force reserve: the pool's remaining backends were terminated server-side
 * and its sockets destroyed, inside the node's time. Whatever ran on them was cut (callers got
 * PostgreSQL's 57P01 or a connection error).
 */
export class PgForceClosedError extends QuiesceError {
  override readonly name = 'PgForceClosedError';
  override readonly code = 'QUIESCE_PG_FORCE_CLOSED';
  constructor(
    /** Connections still open when the force path began. */
    readonly connections: number,
    /** Of those, the backends terminated server-side (0 when the server could not be reached). */
    readonly terminated: number,
  ) {
    super(`pg pool: stop did not finish before its force reserve; ${connections} connection${connections === 1 ? '' : 's'} force-closed (${terminated} backend${terminated === 1 ? '' : 's'} terminated server-side)`);
  }
}

/**
 * Connections of the pool died under it after shutdown was requested (server killed, backend
 * terminated by an administrator, network cut): what ran on them failed at its callers.
 */
export class PgConnectionsLostError extends QuiesceError {
  override readonly name = 'PgConnectionsLostError';
  override readonly code = 'QUIESCE_PG_CONNECTIONS_LOST';
  constructor(
    readonly lost: number,
    override readonly cause: unknown,
  ) {
    super(`pg pool: ${lost} connection${lost === 1 ? ' was' : 's were'} lost during shutdown (${describeError(cause)})`, { cause });
  }
}
