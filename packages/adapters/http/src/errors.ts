import { AdapterError, AdapterMisuseError, ConnectionsLostError, describeValue } from '@quiesce/core/kit';

/**
 * `listen()` failed (the address is taken, not allowed, not local): the node cannot start. `cause`
 * is Node's error (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`); `host` and `port` are what was asked.
 */
export class HttpListenError extends AdapterError {
  override readonly name = 'HttpListenError';
  override readonly code = 'QUIESCE_HTTP_LISTEN_FAILED';
  constructor(
    node: string,
    readonly host: string | undefined,
    readonly port: number | undefined,
    override readonly cause: Error,
  ) {
    super(node, `cannot listen on ${host}:${port}: ${cause.message}`, { cause });
  }
}

/** `create` returned something other than a node:http, node:https or node:http2 server. Thrown by `start()`. */
export class HttpNotAServerError extends AdapterMisuseError {
  override readonly name = 'HttpNotAServerError';
  override readonly code = 'QUIESCE_HTTP_NOT_A_SERVER';
  constructor(
    node: string,
    /** What `create` returned. */
    readonly value: unknown,
  ) {
    super(node, `create() returned ${describeValue(value)}`, 'return an http.Server, https.Server or http2 server from it');
  }
}

/**
 * The server given was already listening: quiesce calls `listen()` at start (and so knows the
 * server's connections from the first one on). Thrown by `start()` before anything is installed.
 */
export class HttpServerAlreadyListeningError extends AdapterMisuseError {
  override readonly name = 'HttpServerAlreadyListeningError';
  override readonly code = 'QUIESCE_HTTP_ALREADY_LISTENING';
  constructor(
    node: string,
    /** Where it listens, as `server.address()` says (`127.0.0.1:8080`, a pipe path). */
    readonly address: string | undefined,
  ) {
    super(node, `the server is already listening${address ? ` on ${address}` : ''}`, 'pass it unstarted, quiesce calls listen()');
  }
}

/** The server was started once already (by this definition, in this or another container): a stopped server cannot be reused. Thrown by `start()`. */
export class HttpServerAlreadyStartedError extends AdapterMisuseError {
  override readonly name = 'HttpServerAlreadyStartedError';
  override readonly code = 'QUIESCE_HTTP_ALREADY_STARTED';
  constructor(node: string) {
    super(node, 'this server was already started once', 'create a new server for a new container');
  }
}

/**
 * Responses the handler had begun (accepted before the stop) never reached their client in full:
 * the client's connection ended first (killed, timed out, a balancer cutting it) while the node was
 * stopping. Thrown by `stop()` once the server is closed, so the node is `failed`, not `stopped`:
 * the report counts what was lost. Declare the node `policy: 'bestEffort'` to see it as a warning
 * instead of a failed shutdown. Not counted: what the force path cut (the node timed out), 503s
 * to connections accepted while stopping, probe answers.
 */
export class HttpResponsesLostError extends ConnectionsLostError {
  override readonly name = 'HttpResponsesLostError';
  override readonly code = 'QUIESCE_HTTP_RESPONSES_LOST';
  constructor(
    node: string,
    lost: number,
    /** Responses among them not yet begun (the handler still working): the client never saw a status. */
    readonly unanswered: number,
  ) {
    const partly = lost - unanswered;
    super(node, 'http server', lost, new Error(`closed by the client with ${lost === 1 ? 'its response' : `${lost} responses`} not delivered in full: ${unanswered} not begun, ${partly} cut partway`));
  }
}
