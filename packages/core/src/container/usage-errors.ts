import { ErrorCodes, QuiesceError } from '../errors.js';

/**
 * `app.get(X)` reached a value created asynchronously (an async `create`) that was not resolved
 * yet: inversify's own "Unexpected asynchronous service" says neither why nor what to do.
 */
export class NotResolvedYetError extends QuiesceError {
  override readonly name = 'NotResolvedYetError';
  override readonly code = ErrorCodes.NotResolvedYetError;
  constructor(
    readonly token: string,
    /** The asynchronously created resource on the way (`token` itself, or one it depends on). */
    readonly asyncResource: string,
  ) {
    const via = asyncResource === token ? '' : ` (it needs "${asyncResource}")`;
    super(
      `app.get(${token})${via}: "${asyncResource}" is created asynchronously, so its value exists only once start() has resolved it. Call app.get() after \`await app.start()\`, which resolves every resource in dependency order`,
    );
  }
}

/** `start()` on a container that was shut down: a container runs once. */
export class ContainerShutDownError extends QuiesceError {
  override readonly name = 'ContainerShutDownError';
  override readonly code = ErrorCodes.ContainerShutDownError;
  constructor(readonly state: string) {
    super(`start() after shutdown(): this container is ${state} and runs once (its resources were closed). Create a new LifecycleContainer to start again`);
  }
}

/**
 * `@resource()` ran as a TC39 standard decorator: TypeScript compiled without
 * `experimentalDecorators`, so no constructor parameter types were emitted and inversify cannot
 * inject anything.
 */
export class DecoratorSetupError extends QuiesceError {
  override readonly name = 'DecoratorSetupError';
  override readonly code = ErrorCodes.DecoratorSetupError;
  constructor(readonly className: string) {
    super(
      `@resource() on class ${className} ran as a standard (TC39) decorator, but quiesce and inversify use TypeScript's legacy decorators: set "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json (docs/guides/troubleshooting.md)`,
    );
  }
}

/**
 * The resource inversify's sync `get()` found to be a promise, or undefined for any other error.
 * inversify 8 says so only in its message (its error kind is a generic "invalid operation").
 */
export function asyncServiceIn(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  return /^Unexpected asynchronous service when resolving service "(.*)"$/.exec(error.message)?.[1];
}

/** inversify's "Unexpected asynchronous service" from `app.get(token)`, as a NotResolvedYetError. */
export function notResolvedYet(error: unknown, token: string): NotResolvedYetError | undefined {
  const service = asyncServiceIn(error);
  return service === undefined ? undefined : new NotResolvedYetError(token, service);
}
