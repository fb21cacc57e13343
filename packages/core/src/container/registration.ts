import type { Newable } from 'inversify';
import { STEP_HOOKS, stopTakesTime, type StepHookName } from './hook-table.js';
import { hooksOf, type HookContext, type LifecycleHooks } from './hooks.js';
import { injectedDependencies, type DependencyRef } from './injected-dependencies.js';
import type { ResourceOptions } from './options.js';
import type { Token } from '../token.js';

/** Resolves other bindings inside a factory: `create: ({ get }) => new Pool(get(Config).pg)`. */
export interface Resolver {
  get<T>(token: Token<T>): T;
}

/** The hooks of the plain-object form: each of LifecycleHooks' steps, given the value first. */
export type DefinitionHooks<T> = {
  [K in StepHookName]?: (value: T, ctx: HookContext) => unknown;
};

/** The plain-object form, for clients the user does not own (no subclass, no decorator). */
export interface ResourceDefinition<T> extends ResourceOptions, DefinitionHooks<T> {
  /** Builds the value (may be async). Exactly one of `create` and `value`. */
  create?: (resolver: Resolver) => T | Promise<T>;
  value?: T;
  /** What is still open when the stop's time runs out, for the report (see LifecycleHooks.pending). */
  pending?: (value: T) => string | readonly string[] | undefined;
}

/**
 * One token known to the container. `lifecycle` entries become graph nodes; the others are plain
 * injectables that only pass their dependencies through.
 */
export interface Registration {
  readonly token: unknown;
  readonly kind: 'class' | 'factory' | 'value' | 'alias';
  readonly lifecycle: boolean;
  readonly options: ResourceOptions;
  /** For aliases: the token this one redirects to (the same instance, stopped once). */
  readonly aliasOf?: unknown;

  dependencies(): readonly DependencyRef[];
  hooks(instance: unknown): LifecycleHooks;
  /**
   * Whether its stop may take any time, as far as is known before it starts: a quiesce, stop or
   * dispose hook. The plan charges a node its stop timeout only then (absent: assume it may).
   */
  mayStop?(): boolean;
}

export function classRegistration(target: Newable, options: ResourceOptions | undefined, token: unknown = target): Registration {
  return {
    token,
    kind: 'class',
    lifecycle: options !== undefined,
    options: options ?? {},
    dependencies: () => (options?.dependsOn?.length ? [...injectedDependencies(target), ...explicit(options)] : injectedDependencies(target)),
    hooks: hooksOf,
    mayStop: () => stopTakesTime(hooksOf(target.prototype)),
  };
}

export function definitionRegistration<T>(token: unknown, definition: ResourceDefinition<T>, options: ResourceOptions): Registration {
  const bindTo = (fn: ((value: T, ctx: HookContext) => unknown) | undefined, instance: unknown) =>
    fn ? (ctx: HookContext) => fn(instance as T, ctx) : undefined;
  return {
    token,
    kind: definition.create ? 'factory' : 'value',
    lifecycle: true,
    options,
    dependencies: () => explicit(options),
    // A factory's value is unknown until it is built: only its declared hooks count (a value that
    // turns out to dispose itself is charged by plans made after start, from the real hooks).
    mayStop: () => stopTakesTime(definition) || ('value' in definition && stopTakesTime(hooksOf(definition.value))),
    hooks: (instance) => {
      // A value that knows how to dispose itself needs no explicit stop.
      const own = hooksOf(instance);
      const pending = definition.pending ? () => definition.pending!(instance as T) : own.pending;
      const bound: LifecycleHooks = {};
      for (const name of STEP_HOOKS) bound[name] = bindTo(definition[name], instance);
      bound.stop ??= definition.stop === undefined ? disposeOnly(instance, own) : undefined;
      return pending ? { ...bound, pending } : bound;
    },
  };
}

export function aliasRegistration(token: unknown, target: unknown): Registration {
  return {
    token,
    kind: 'alias',
    lifecycle: false,
    options: {},
    aliasOf: target,
    dependencies: () => [{ token: target, optional: false }],
    hooks: () => ({}),
  };
}

function explicit(options: ResourceOptions | undefined): DependencyRef[] {
  return (options?.dependsOn ?? []).map((token) => ({ token, optional: false }));
}

function disposeOnly(instance: unknown, own: LifecycleHooks): LifecycleHooks['stop'] {
  const hasDispose =
    typeof instance === 'object' && instance !== null && (Symbol.asyncDispose in instance || Symbol.dispose in instance);
  return hasDispose ? own.stop : undefined;
}
