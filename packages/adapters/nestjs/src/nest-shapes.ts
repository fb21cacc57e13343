// What this package reads of Nest's container, structurally: the same members in Nest 11 and 12
// (`InstanceWrapper`, `Module`), and no import of Nest's internal files, whose paths differ.

/** One provider, controller or injectable of a module: Nest's `InstanceWrapper`. */
export interface NestWrapper {
  readonly name?: unknown;
  readonly token: unknown;
  readonly instance: unknown;
  /** `useExisting`: the same instance as its target, which is the one that gets the hooks. */
  readonly isAlias?: boolean;
  readonly isTransient?: boolean;
  /** False for request-scoped providers (and what depends on them): no instance outside a request. */
  isDependencyTreeStatic(): boolean;
  /** What the injector resolved for each constructor parameter (factory `inject` included). */
  getCtorMetadata(): readonly (NestWrapper | undefined)[] | undefined;
  getPropertiesMetadata(): readonly { readonly wrapper: NestWrapper }[] | undefined;
  getStaticTransientInstances?(): readonly ({ readonly instance: unknown } | undefined)[];
}

/** A module of the application: Nest's `Module` (in `ModulesContainer`). */
export interface NestModuleRef {
  readonly name: string;
  readonly providers: ReadonlyMap<unknown, NestWrapper>;
  readonly controllers: ReadonlyMap<unknown, NestWrapper>;
  readonly injectables: ReadonlyMap<unknown, NestWrapper>;
  readonly middlewares?: ReadonlyMap<unknown, NestWrapper>;
}

/** The members of a Nest application (context) this package uses. */
export interface NestApp {
  get(token: unknown, options?: { strict?: boolean }): unknown;
  close(signal?: string): Promise<void>;
  init(): Promise<unknown>;
  enableShutdownHooks(...args: unknown[]): unknown;
}

export function isNestApp(value: unknown): value is NestApp {
  const app = value as Partial<Record<keyof NestApp, unknown>> | null;
  return typeof app === 'object' && app !== null && ['get', 'close', 'init', 'enableShutdownHooks'].every((m) => typeof app[m as keyof NestApp] === 'function');
}

/**
 * The signals `enableShutdownHooks()` subscribed the app to: Nest 12 keeps one cleanup per signal
 * in `shutdownCleanupRefs`, Nest 11 one cleanup and `activeShutdownSignals`.
 */
export function shutdownHookSignals(app: NestApp): readonly string[] | undefined {
  const internals = app as unknown as { shutdownCleanupRefs?: Map<string, unknown>; activeShutdownSignals?: string[]; shutdownCleanupRef?: unknown };
  if (internals.shutdownCleanupRefs instanceof Map && internals.shutdownCleanupRefs.size > 0) return [...internals.shutdownCleanupRefs.keys()];
  if (internals.shutdownCleanupRef) return internals.activeShutdownSignals ?? [];
  return undefined;
}
