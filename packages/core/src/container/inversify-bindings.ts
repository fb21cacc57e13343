import type { Binding } from '@inversifyjs/core';
import type { PluginContext } from '@inversifyjs/plugin';
import type { Container } from 'inversify';
import { getResourceOptions } from './decorators.js';
import { DuplicateBindingError, LifecycleStateError } from '../errors.js';
import { classMetadataOf, type DependencyRef } from './injected-dependencies.js';
import { aliasRegistration, classRegistration, type Registration } from './registration.js';
import { NO_STEPS, type Step } from '../engine/steps.js';
import { tokenName } from '../token.js';

// inversify 8 has no public way to list bindings; its plugin context does, so quiesce registers
// a plugin whose only job is to hand that context over. inversify recognises a plugin by this
// global symbol (what @inversifyjs/plugin's base class sets), so no copy of that package is needed
// next to the user's inversify.
const IS_PLUGIN = Symbol.for('@inversifyjs/plugin/isPlugin');
const contexts = new WeakMap<object, PluginContext>();
class QuiesceIntrospectionPlugin {
  readonly [IS_PLUGIN] = true;
  constructor(
    private readonly container: Container,
    private readonly context: PluginContext,
  ) {}
  load(): void {
    contexts.set(this.container, this.context);
  }
}

/**
 * What quiesce needs from an inversify container it did not build: the bindings users made the
 * inversify way (so an existing app needs no rewiring), and inversify's own teardown hooks
 * (`@preDestroy`, `onDeactivation`) so they run in dependency order, exactly once.
 */
export class InversifyBindings {
  readonly #context: PluginContext;

  constructor(container: Container) {
    if (!contexts.has(container)) container.register(QuiesceIntrospectionPlugin as never); // typed against the Plugin base class
    this.#context = contexts.get(container)!;
  }

  /** How many tokens are bound right now: a cheap way to notice bindings added since a compile. */
  boundServiceCount(): number {
    let count = 0;
    for (const _ of this.#context.bindingService.getBoundServices()) count++;
    return count;
  }

  /**
   * Registrations for bindings made directly on inversify, skipping tokens quiesce already knows,
   * and how many tokens are bound in all (one pass over inversify's bindings, not two).
   */
  scan(known: ReadonlyMap<unknown, Registration>): { found: Registration[]; boundCount: number } {
    const found: Registration[] = [];
    let boundCount = 0;
    for (const token of this.#context.bindingService.getBoundServices()) {
      boundCount++;
      const bindings = [...(this.#context.bindingService.get(token) ?? [])];
      // A second binding of a lifecycle token (made on an adopted container, say) would surface at
      // start as inversify's "Ambiguous bindings"; refuse it here, before anything starts. Several
      // bindings of a plain token are legitimate (multiInject) and pass through.
      if (bindings.length > 1 && (known.get(token)?.lifecycle || bindings.some(isLifecycleBinding))) {
        throw new DuplicateBindingError(tokenName(token as never), bindings.length);
      }
      if (known.has(token)) continue;
      found.push(bindings.length === 1 ? fromBinding(token, bindings[0]!) : plain(token, bindings.flatMap(dependenciesOf)));
    }
    return { found, boundCount };
  }

  /**
   * inversify's teardown for a singleton, in inversify's order (@preDestroy methods, the binding's
   * onDeactivation, container-level onDeactivation), and the cached singleton dropped, so that a
   * later `unbindAll()` finds nothing left to deactivate: the hooks never run twice.
   */
  /** Whether inversify would run anything when this token's singleton is deactivated (for the plan). */
  deactivates(token: unknown): boolean {
    for (const binding of this.#context.bindingService.get(token as never) ?? []) {
      if ('onDeactivation' in binding && binding.onDeactivation) return true;
      if (binding.type === 'Instance' && classMetadataOf(binding.implementationType).lifecycle.preDestroyMethodNames.size > 0) return true;
    }
    for (const _ of this.#context.deactivationService.get(token as never) ?? []) return true;
    return false;
  }

  takeDeactivation(token: unknown, instance: unknown): readonly Step[] {
    // Most nodes have none: no array is allocated for them (this runs as each node begins stopping).
    let steps: Step[] | undefined;
    for (const binding of this.#context.bindingService.get(token as never) ?? []) {
      if (!('cache' in binding) || !binding.cache.isRight) continue;
      if (binding.type === 'Instance') {
        for (const method of classMetadataOf(binding.implementationType).lifecycle.preDestroyMethodNames) {
          (steps ??= []).push(() => (instance as Record<PropertyKey, () => unknown>)[method]?.());
        }
      }
      const own = binding.onDeactivation;
      if (own) (steps ??= []).push(() => own(instance));
    }
    for (const deactivation of this.#context.deactivationService.get(token as never) ?? []) {
      (steps ??= []).push(() => deactivation(instance));
    }
    if (!steps) return NO_STEPS;
    // Only when there is something inversify would run again: dropping the cache also means a
    // later get() builds a new instance, which nobody should pay for without a reason.
    for (const binding of this.#context.bindingService.get(token as never) ?? []) if ('cache' in binding) binding.cache = { isRight: false, value: undefined };
    return steps;
  }
}


function fromBinding(token: unknown, binding: Binding): Registration {
  switch (binding.type) {
    case 'Instance': {
      const options = getResourceOptions(binding.implementationType);
      if (options && binding.scope !== 'Singleton') {
        throw new LifecycleStateError(
          `"${tokenName(token)}" is a lifecycle resource bound in ${binding.scope} scope; bind it with .inSingletonScope() so there is one instance to start and stop`,
        );
      }
      return classRegistration(binding.implementationType, options, token);
    }
    case 'ServiceRedirection':
      return aliasRegistration(token, binding.targetServiceIdentifier);
    default:
      return plain(token, dependenciesOf(binding));
  }
}

function isLifecycleBinding(binding: Binding): boolean {
  return binding.type === 'Instance' && getResourceOptions(binding.implementationType) !== undefined;
}

function plain(token: unknown, dependencies: readonly DependencyRef[]): Registration {
  return { token, kind: 'value', lifecycle: false, options: {}, dependencies: () => dependencies, hooks: () => ({}) };
}

/** What a binding injects: class constructor/property metadata, or a resolved value's arguments. */
function dependenciesOf(binding: Binding): readonly DependencyRef[] {
  if (binding.type === 'Instance') return classRegistration(binding.implementationType, undefined).dependencies();
  if (binding.type === 'ResolvedValue') {
    return binding.metadata.arguments.flatMap((arg) => {
      const value = (arg as { value?: unknown }).value;
      if (value === undefined) return [];
      const token = typeof value === 'object' && value !== null && 'unwrap' in value ? (value as { unwrap(): unknown }).unwrap() : value;
      return [{ token, optional: (arg as { optional?: boolean }).optional === true }];
    });
  }
  return [];
}
