import { AdapterMisuseError, describeValue } from '@quiesce/core/kit';

/**
 * `app.enableShutdownHooks()` is on (or was called after `quiesceNest`): Nest would run every
 * provider's hooks on SIGTERM by itself, in module-distance order, concurrently with quiesce's
 * ordered stop. Thrown by `quiesceNest` (and by `enableShutdownHooks` once quiesce owns the app).
 */
export class NestShutdownHooksEnabledError extends AdapterMisuseError {
  override readonly name = 'NestShutdownHooksEnabledError';
  override readonly code = 'QUIESCE_NEST_SHUTDOWN_HOOKS_ENABLED';
  constructor(
    node: string,
    /** The signals Nest listens to, as far as they can be read off the application. */
    readonly signals: readonly string[],
  ) {
    super(
      node,
      `app.enableShutdownHooks() was called${signals.length ? ` (${signals.join(', ')})` : ''}: Nest would run the shutdown hooks itself, by module distance, next to quiesce's ordered stop`,
      'remove the enableShutdownHooks() call and use lifecycle.handleSignals()',
    );
  }
}

/** `quiesceNest` was given something that is not a Nest application (or application context). */
export class NestNotAnApplicationError extends AdapterMisuseError {
  override readonly name = 'NestNotAnApplicationError';
  override readonly code = 'QUIESCE_NEST_NOT_AN_APPLICATION';
  constructor(
    node: string,
    readonly value: unknown,
  ) {
    super(node, `expected a Nest application, got ${describeValue(value)}`, 'pass what NestFactory.create() (or createApplicationContext()) resolved to');
  }
}
