import { AdapterError, AdapterMisuseError } from '@quiesce/core/kit';

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
    super(node, `create() must return an http.Server, https.Server or http2 server, got ${describe(value)}`);
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
    super(node, `the server is already listening${address ? ` on ${address}` : ''}; pass it unstarted, quiesce calls listen()`);
  }
}

/** The server was started once already (by this definition, in this or another container): a stopped server cannot be reused. Thrown by `start()`. */
export class HttpServerAlreadyStartedError extends AdapterMisuseError {
  override readonly name = 'HttpServerAlreadyStartedError';
  override readonly code = 'QUIESCE_HTTP_ALREADY_STARTED';
  constructor(node: string) {
    super(node, 'this server was already started once; create a new server for a new container');
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `a ${typeof value}`;
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  if (ctor === Object || !ctor?.name) return 'a plain object';
  return `a ${ctor.name}`;
}
