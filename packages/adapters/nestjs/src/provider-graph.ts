import { ModulesContainer } from '@nestjs/core';
import { hooksOn, type NestHook } from './hooks.js';
import type { NestApp, NestModuleRef, NestWrapper } from './nest-shapes.js';

/** A provider (controller, injectable, module class) instance with at least one shutdown hook. */
export interface ProviderNode {
  name: string;
  readonly token: unknown;
  readonly module: string;
  readonly instance: object;
  readonly hooks: readonly NestHook[];
  readonly wrapper: NestWrapper;
  /** The hooked providers it injects, directly or through providers without hooks. */
  readonly dependsOn: Set<ProviderNode>;
}

export interface ProviderGraph {
  readonly nodes: readonly ProviderNode[];
  /** Every wrapper of a token (one per module that provides it): what `overrides` look up. */
  readonly byToken: ReadonlyMap<unknown, readonly NestWrapper[]>;
  /** The hooked providers a wrapper leads to (itself, or what it injects). */
  reach(wrapper: NestWrapper): Set<ProviderNode>;
}

/**
 * Nest's provider graph as the injector resolved it, after `NestFactory.create()`: each wrapper's
 * constructor and property injections are the wrappers it was given (`@Inject(token)`,
 * `forwardRef`, a factory's `inject`, global modules, `useExisting` aliases all already followed).
 */
export function readProviderGraph(app: NestApp): ProviderGraph {
  const modules = app.get(ModulesContainer) as ReadonlyMap<string, NestModuleRef>;
  const nodesOf = new Map<NestWrapper, ProviderNode[]>();
  const byToken = new Map<unknown, NestWrapper[]>();
  for (const moduleRef of modules.values()) {
    for (const wrapper of wrappersOf(moduleRef)) {
      byToken.set(wrapper.token, [...(byToken.get(wrapper.token) ?? []), wrapper]);
      const nodes = nodesFor(wrapper, moduleRef.name);
      if (nodes.length) nodesOf.set(wrapper, nodes);
    }
  }
  const reach = (start: NestWrapper) => {
    const found = new Set<ProviderNode>(nodesOf.get(start) ?? []);
    if (found.size === 0) for (const node of reachThrough(start, nodesOf)) found.add(node);
    return found;
  };
  const nodes = [...nodesOf.values()].flat();
  for (const node of nodes) for (const dep of reachThrough(node.wrapper, nodesOf)) if (dep !== node) node.dependsOn.add(dep);
  nameUniquely(nodes);
  return { nodes, byToken, reach };
}

function* wrappersOf(moduleRef: NestModuleRef): Iterable<NestWrapper> {
  for (const collection of [moduleRef.providers, moduleRef.controllers, moduleRef.injectables, moduleRef.middlewares ?? new Map()]) {
    yield* collection.values();
  }
}

/** One node per instance with hooks: a transient provider has one per provider it was injected into. */
function nodesFor(wrapper: NestWrapper, module: string): ProviderNode[] {
  // An alias is its target's instance (hooked there); a request-scoped one has no instance now.
  if (wrapper.isAlias || !wrapper.isDependencyTreeStatic()) return [];
  const instances = wrapper.isTransient ? (wrapper.getStaticTransientInstances?.() ?? []).map((i) => i?.instance) : [wrapper.instance];
  const name = tokenName(wrapper);
  return instances.flatMap((instance, i) => {
    const hooks = hooksOn(instance);
    if (hooks.length === 0) return [];
    return [{ name: instances.length > 1 ? `${name}#${i + 1}` : name, token: wrapper.token, module, instance: instance as object, hooks, wrapper, dependsOn: new Set<ProviderNode>() }];
  });
}

/** The hooked providers `from` injects: stops at each hooked one, walks through the others. */
function reachThrough(from: NestWrapper, nodesOf: ReadonlyMap<NestWrapper, ProviderNode[]>): Set<ProviderNode> {
  const found = new Set<ProviderNode>();
  const seen = new Set<NestWrapper>([from]);
  const queue = [...injected(from)];
  while (queue.length) {
    const wrapper = queue.pop()!;
    if (seen.has(wrapper)) continue;
    seen.add(wrapper);
    const nodes = nodesOf.get(wrapper);
    if (nodes) for (const node of nodes) found.add(node);
    else queue.push(...injected(wrapper));
  }
  return found;
}

function injected(wrapper: NestWrapper): NestWrapper[] {
  const ctor = wrapper.getCtorMetadata() ?? [];
  const props = (wrapper.getPropertiesMetadata() ?? []).map((p) => p.wrapper);
  // `@Optional()` parameters that resolved to nothing leave holes.
  return [...ctor, ...props].filter((w): w is NestWrapper => w !== undefined && w !== null);
}

function tokenName(wrapper: NestWrapper): string {
  const { token } = wrapper;
  if (typeof token === 'function' && token.name) return token.name;
  if (typeof token === 'symbol') return token.description ?? 'Symbol()';
  return typeof wrapper.name === 'string' && wrapper.name ? wrapper.name : String(token);
}

/** The report names nodes by token; the same token in two modules is told apart by its module. */
function nameUniquely(nodes: readonly ProviderNode[]): void {
  const count = (name: string) => nodes.filter((n) => n.name === name).length;
  for (const node of nodes.filter((n) => count(n.name) > 1)) node.name = `${node.module}.${node.name}`;
  const seen = new Map<string, number>();
  for (const node of nodes) {
    const n = (seen.get(node.name) ?? 0) + 1;
    seen.set(node.name, n);
    if (n > 1) node.name = `${node.name}#${n}`;
  }
}
