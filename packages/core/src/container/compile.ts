import { CycleError, MissingDependencyError } from '../errors.js';
import { buildGraph, type LifecycleGraph } from '../graph/graph.js';
import type { Registration } from './registration.js';
import { tokenName } from '../token.js';

export interface CompiledGraph {
  readonly graph: LifecycleGraph;
  /** Index-aligned with the graph's nodes. */
  readonly registrations: readonly Registration[];
  readonly indexOf: ReadonlyMap<unknown, number>;
}

/**
 * Turns registrations into the node graph. Plain injectables are not nodes, but a resource that
 * injects a plain service which injects a database still depends on the database: edges are
 * followed through them. Throws MissingDependencyError / CycleError before anything starts.
 */
export function compileGraph(registry: ReadonlyMap<unknown, Registration>, isBoundElsewhere: (token: unknown) => boolean): CompiledGraph {
  const registrations = [...registry.values()].filter((r) => r.lifecycle);
  const indexOf = new Map<unknown, number>(registrations.map((r, i) => [r.token, i]));
  const names = uniqueNames(registrations);
  // For each plain token: the lifecycle nodes it (transitively) leads to.
  const reachedThrough = new Map<unknown, number[]>();

  const nodesBehind = (token: unknown, requiredBy: string, optional: boolean, visiting: string[]): number[] => {
    const node = indexOf.get(token);
    if (node !== undefined) return [node];
    const known = reachedThrough.get(token);
    if (known) return known;
    const registration = registry.get(token);
    if (!registration) {
      if (optional || isBoundElsewhere(token)) return [];
      throw new MissingDependencyError(tokenName(token), requiredBy);
    }
    const name = tokenName(token);
    if (visiting.includes(name)) throw new CycleError([...visiting.slice(visiting.indexOf(name)), name]);
    visiting.push(name);
    const found = new Set<number>();
    for (const dep of registration.dependencies()) {
      for (const n of nodesBehind(dep.token, name, dep.optional, visiting)) found.add(n);
    }
    visiting.pop();
    const result = [...found];
    reachedThrough.set(token, result);
    return result;
  };

  // A node's dependency list without a Set per node: `seenBy[n] === i` marks n as already listed for i.
  const seenBy = new Int32Array(registrations.length).fill(-1);
  const deps: number[][] = new Array(registrations.length);
  for (let i = 0; i < registrations.length; i++) {
    const list: number[] = [];
    for (const dep of registrations[i]!.dependencies()) {
      const node = indexOf.get(dep.token);
      // A direct dependency on a node (the common case) needs no walk through plain injectables.
      for (const n of node !== undefined ? [node] : nodesBehind(dep.token, names[i]!, dep.optional, [names[i]!])) {
        if (seenBy[n] !== i) list.push(n);
        seenBy[n] = i;
      }
    }
    deps[i] = list;
  }
  stopLast(registrations, deps);
  return { graph: buildGraph(names, deps), registrations, indexOf };
}

/**
 * `stopsLast` nodes (telemetry, log flushers) start first and stop after every other node, so the
 * spans and log lines of every other stop are still exported: each other node gets an edge to
 * them. Not their own dependencies (transitively): those must stop after them, and an edge would
 * be a cycle.
 */
function stopLast(registrations: readonly Registration[], deps: number[][]): void {
  const last: number[] = [];
  for (let i = 0; i < registrations.length; i++) if (registrations[i]!.options.stopsLast) last.push(i);
  if (last.length === 0) return;
  const keep = new Uint8Array(registrations.length); // 1: a stopsLast node or one of their dependencies
  const stack = [...last];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (keep[i]) continue;
    keep[i] = 1;
    stack.push(...deps[i]!);
  }
  for (let i = 0; i < registrations.length; i++) {
    if (keep[i]) continue;
    for (const l of last) if (!deps[i]!.includes(l)) deps[i]!.push(l);
  }
}

/** Node names must be unique in reports; two classes both called `Db` become `Db` and `Db#2`. */
function uniqueNames(registrations: readonly Registration[]): string[] {
  const seen = new Map<string, number>();
  return registrations.map((r) => {
    const base = r.options.name ?? tokenName(r.token);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}#${count}`;
  });
}
