import { AdapterMisuseError, ConnectionsLostError, describeValue } from '@quiesce/core/kit';

/**
 * The adapter used in a way it cannot work (a shared server that is not one, a value that is not
 * ours): a bug in the calling code, not a runtime fault. The node it happened to comes first in
 * the message (`feed: …`) and stays on the error (`node`); `code` is a stable `QUIESCE_WS_*`.
 */
export abstract class WsMisuseError extends AdapterMisuseError {}

/** `serverToken` resolved to something other than an `http.Server` / `https.Server`. Thrown when the node is created. */
export class WsNotAServerError extends WsMisuseError {
  override readonly name = 'WsNotAServerError';
  override readonly code = 'QUIESCE_WS_NOT_A_SERVER';
  constructor(
    node: string,
    /** The token as given. */
    readonly token: unknown,
    /** What it resolved to. */
    readonly value: unknown,
  ) {
    super(node, `serverToken ${describeToken(token)} resolved to ${describeValue(value)}`, 'bind an http.Server or https.Server under it (the value of an @quiesce/http node)');
  }
}

/** The node's start hook was handed a value that is not the WebSocketService its `wsServer` definition created (the definition reused for another value). */
export class WsForeignServiceError extends WsMisuseError {
  override readonly name = 'WsForeignServiceError';
  override readonly code = 'QUIESCE_WS_FOREIGN_SERVICE';
  constructor(node: string) {
    super(node, 'the start hook was handed a value this wsServer definition did not create', 'use one definition per node; its value is the WebSocketService it created');
  }
}

function describeToken(token: unknown): string {
  if (typeof token === 'function') return token.name || 'an anonymous class';
  return String(token);
}

/**
 * During the shutdown, clients went away without a close frame (killed, reset, their host gone)
 * while message handlers of theirs were still running: what those handlers sent went nowhere, so
 * the work in flight was lost with its client. The stop finished otherwise (nothing was cut by
 * us); the node fails so that the report says so. A client that dies with no handler of its
 * running loses nothing: it is only counted in the outcome (`closedAbnormally`).
 * `instanceof ConnectionsLostError` (core/kit) holds.
 */
export class WsClientsLostError extends ConnectionsLostError {
  override readonly name = 'WsClientsLostError';
  override readonly code = 'QUIESCE_WS_CLIENTS_LOST';
  constructor(
    node: string,
    lost: number,
    /** Message handlers that were running for those clients when their sockets ended. */
    readonly handlers: number,
  ) {
    super(
      node,
      'ws server',
      lost,
      new Error(
        `closed by the client without a close frame while ${handlers} message ${handlers === 1 ? 'handler was' : 'handlers were'} running for ${lost === 1 ? 'it' : 'them'}: ${handlers === 1 ? 'its reply was' : 'their replies were'} not delivered`,
      ),
    );
  }
}
