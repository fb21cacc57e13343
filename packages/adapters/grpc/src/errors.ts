import { AdapterError, AdapterMisuseError, describeValue } from '@quiesce/core/kit';

/**
 * The adapter used in a way it cannot work (a server already bound, a value that is not ours):
 * a bug in the calling code, not a runtime fault. The kit's AdapterMisuseError: the node comes
 * first in the message (`rpc: …`) and stays on the error (`node`); `code` is a stable `QUIESCE_GRPC_*`.
 */
export abstract class GrpcMisuseError extends AdapterMisuseError {}

/**
 * The `grpc.Server` given to adopt was already bound (`bindAsync` called on it before, even one
 * still in progress): quiesce binds it at start, and binding it again would serve on both ports.
 * Thrown by `start()` before anything is bound or added to the server.
 */
export class GrpcServerAlreadyBoundError extends GrpcMisuseError {
  override readonly name = 'GrpcServerAlreadyBoundError';
  override readonly code = 'QUIESCE_GRPC_ALREADY_BOUND';
  constructor(
    node: string,
    /** What it is bound to, as grpc-js keeps it (`dns:127.0.0.1:50051`). */
    readonly boundTo: readonly string[],
  ) {
    super(node, `the grpc.Server is already bound (bindAsync was called on it: ${boundTo.join(', ')})`, 'pass it unbound, quiesce calls bindAsync() at start');
  }
}

/** The `grpc.Server` given to adopt was shut down already (`tryShutdown`/`forceShutdown`): it can never serve again. Thrown by `start()`. */
export class GrpcServerShutDownError extends GrpcMisuseError {
  override readonly name = 'GrpcServerShutDownError';
  override readonly code = 'QUIESCE_GRPC_SERVER_SHUT_DOWN';
  constructor(node: string) {
    super(node, 'the grpc.Server was shut down already (tryShutdown or forceShutdown)', 'pass a new one');
  }
}

/** `create` returned something other than a `grpc.Server` of the @grpc/grpc-js this package uses. */
export class GrpcNotAServerError extends GrpcMisuseError {
  override readonly name = 'GrpcNotAServerError';
  override readonly code = 'QUIESCE_GRPC_NOT_A_SERVER';
  constructor(
    node: string,
    readonly value: unknown,
  ) {
    const got = describeValue(value);
    super(node, `create() returned ${got}${got === 'a Server' ? ' (from another copy of @grpc/grpc-js?)' : ''}`, 'return a grpc.Server of the @grpc/grpc-js @quiesce/grpc uses');
  }
}

/** The node's start hook was handed a value that is not the GrpcService its `grpcServer` definition created (the definition reused for another value). */
export class GrpcForeignServiceError extends GrpcMisuseError {
  override readonly name = 'GrpcForeignServiceError';
  override readonly code = 'QUIESCE_GRPC_FOREIGN_SERVICE';
  constructor(node: string) {
    super(node, 'the start hook was handed a value this grpcServer definition did not create', 'use one definition per node; its value is the GrpcService it created');
  }
}

/**
 * During the shutdown, calls in flight were cancelled by their client before their answer went out
 * (the client's process died, its connection was reset, or it gave up at its deadline): the stop
 * finished otherwise (nothing was cut by us), but what those calls' handlers answer goes nowhere,
 * so the work in flight was lost at its callers and the node fails to say so. Calls cancelled by
 * the force path are not counted here (the node is timedOut for them). `cancelled`: by method path.
 */
export class GrpcCallsCancelledError extends AdapterError {
  override readonly name = 'GrpcCallsCancelledError';
  override readonly code = 'QUIESCE_GRPC_CALLS_CANCELLED';
  readonly cancelled: Readonly<Record<string, number>>;
  constructor(node: string, cancelled: ReadonlyMap<string, number>) {
    const calls = [...cancelled].map(([path, n]) => `${n} call${n === 1 ? '' : 's'} of ${path}`).join(', ');
    super(node, `${calls} cancelled by the client during the shutdown, before the answer went out (the client went away or gave up): not delivered`);
    this.cancelled = Object.fromEntries(cancelled);
  }
}
