import { describeError, QuiesceError } from '../errors.js';

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The base of every adapter's errors: the node it happened to comes first in the message
 * (`orders-db: …`), so two pools of one driver can be told apart in a report, and stays on the
 * error (`node`) for code that branches on it. `code` is the adapter's own stable `QUIESCE_*`.
 */
export abstract class AdapterError extends QuiesceError {
  constructor(
    /** The node's name, as in the report. */
    readonly node: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${node}: ${message}`, options);
  }
}

/**
 * The stop ran into its force reserve: the connections still open were killed server-side (where
 * the driver can: pg_terminate_backend, KILL) and destroyed, inside the node's time. What ran on
 * them was cut. One class for every adapter (`instanceof ForceClosedError`); each sets its `code`.
 */
export abstract class ForceClosedError extends AdapterError {
  constructor(
    node: string,
    /** What was cut: "pg pool", "mysql pool", "nats connection". */
    readonly what: string,
    /** Connections still open when the force path began. */
    readonly connections: number,
    /** Of those, what the server confirmed ending ("backends terminated", "threads killed"): 0 when it could not be reached, or nothing of it runs server-side. */
    readonly killed: number,
    /**
     * How `killed` is worded: ['backend', 'backends', 'terminated'], ['thread', 'threads', 'killed'].
     * Omitted where nothing runs on the server to end (a NATS connection, a Redis one): the message
     * then says nothing of server-side work rather than "0 … killed".
     */
    killedAs?: readonly [one: string, many: string, verb: string],
    /** What the cut may have cost, appended after a `;` ("publishes not yet flushed may be lost"). */
    consequence?: string,
  ) {
    const server = killedAs ? ` (${plural(killed, killedAs[0], killedAs[1])} ${killedAs[2]} server-side)` : '';
    super(node, `${what} stop did not finish before its force reserve; ${plural(connections, 'connection', 'connections')} force-closed${server}${consequence ? `; ${consequence}` : ''}`);
  }
}

/**
 * Connections died under the resource (by default: after shutdown was requested; server killed, backend
 * terminated by an administrator, network cut): what ran on them failed at its callers.
 */
export abstract class ConnectionsLostError extends AdapterError {
  constructor(
    node: string,
    what: string,
    readonly lost: number,
    override readonly cause: unknown,
    /** When it was found lost, as the message says it: "during shutdown", "before it was stopped". */
    when = 'during shutdown',
  ) {
    super(node, `${what}: ${plural(lost, 'connection was', 'connections were')} lost ${when} (${describeError(cause)})`, { cause });
  }
}

/** An adapter used in a way it cannot work (an already-listening server given to adopt, a call after stop): a bug to fix, not a runtime fault. */
export abstract class AdapterMisuseError extends AdapterError {
  constructor(
    node: string,
    /** What was wrong, as a sentence without its fix ("the server is already listening on 127.0.0.1:8080"). */
    readonly what: string,
    /** What to do instead ("pass it unstarted, quiesce calls listen()"). */
    readonly fix: string,
    options?: ErrorOptions,
  ) {
    super(node, `${what}; ${fix}`, options);
  }
}
