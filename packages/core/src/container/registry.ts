import type { Container } from 'inversify';
import { compileGraph, type CompiledGraph } from './compile.js';
import { DuplicateBindingError } from '../errors.js';
import { buildGraph } from '../graph/graph.js';
import { InversifyBindings } from './inversify-bindings.js';
import { nodeLimits, type LimitDefaults, type NodeLimits } from './node-limits.js';
import type { Registration } from './registration.js';
import type { Step } from '../engine/steps.js';
import { tokenName } from '../token.js';

/**
 * What the container knows before anything runs: the registrations (made through quiesce, or
 * bound the inversify way), the graph compiled from them and each node's limits, cached until
 * the next registration or inversify binding.
 */
export class Registry {
  readonly #own = new Map<unknown, Registration>();
  readonly #bindings: InversifyBindings;
  #compiled: CompiledGraph | undefined;
  #boundCount = -1;
  #limits: { of: CompiledGraph; limits: NodeLimits } | undefined;

  constructor(
    private readonly container: Container,
    private readonly defaults: LimitDefaults,
  ) {
    this.#bindings = new InversifyBindings(container);
  }

  add(registration: Registration): void {
    if (this.#own.has(registration.token)) throw new DuplicateBindingError(tokenName(registration.token));
    this.#own.set(registration.token, registration);
    this.#compiled = undefined; // a plan() or graph() before this registration must not freeze the graph
  }

  /** A token's registration: one of ours, or a lifecycle binding made the inversify way. */
  find(token: unknown): Registration | undefined {
    const own = this.#own.get(token);
    if (own) return own;
    const compiled = this.compile();
    const index = compiled.indexOf.get(token);
    return index === undefined ? undefined : compiled.registrations[index];
  }

  /**
   * Bindings made directly on inversify since the last compile must count at start: inversify has
   * no change event, but the number of bound tokens tells (our own registrations reset the cache).
   */
  forgetIfRebound(): void {
    if (this.#compiled && this.#boundCount !== this.#bindings.boundServiceCount()) this.#compiled = undefined;
  }

  /** Build and check the graph (cycles, missing bindings); cached until the next registration. */
  compile(): CompiledGraph {
    if (!this.#compiled) {
      const { found, boundCount } = this.#bindings.scan(this.#own);
      this.#compiled = compileGraph(this.#withAdopted(found), (token) => this.container.isBound(token as never));
      this.#boundCount = boundCount;
    }
    return this.#compiled;
  }

  /**
   * For a shutdown before start: the graph if it compiles (tokens bound nowhere are ignored),
   * else an empty one — a graph that never validated cannot have started anything.
   */
  compileOrEmpty(): CompiledGraph {
    try {
      return this.#compiled ?? compileGraph(this.#withAdopted(this.#bindings.scan(this.#own).found), () => true);
    } catch {
      return { graph: buildGraph([], []), registrations: [], indexOf: new Map() };
    }
  }

  /** Each node's timeouts and reserve as typed arrays, computed once per compiled graph. */
  limits(compiled: CompiledGraph): NodeLimits {
    if (this.#limits?.of !== compiled) this.#limits = { of: compiled, limits: nodeLimits(compiled.registrations, this.defaults) };
    return this.#limits.limits;
  }

  /** inversify's own teardown hooks for a singleton (see InversifyBindings). */
  /** Whether inversify would run a @preDestroy or onDeactivation for this token. */
  deactivates(token: unknown): boolean {
    return this.#bindings.deactivates(token);
  }

  takeDeactivation(token: unknown, instance: unknown): readonly Step[] {
    return this.#bindings.takeDeactivation(token, instance);
  }

  /** Ours, plus whatever was bound the inversify way (an adopted container, loaded ContainerModules). */
  #withAdopted(found: readonly Registration[]): ReadonlyMap<unknown, Registration> {
    if (found.length === 0) return this.#own;
    const all = new Map(this.#own);
    for (const registration of found) all.set(registration.token, registration);
    return all;
  }
}
