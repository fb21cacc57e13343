import { CycleError } from './errors.js';

/**
 * The dependency graph as plain arrays indexed by node number: `deps[i]` are the nodes `i` needs,
 * `dependents[i]` the nodes that need `i`, `order` a topological order (dependencies first).
 * Everything here is iterative: a 100k-node chain must not overflow the stack.
 */
export interface LifecycleGraph {
  readonly names: readonly string[];
  readonly deps: readonly (readonly number[])[];
  readonly dependents: readonly (readonly number[])[];
  readonly order: readonly number[];
  /**
   * For each node, how many nodes the longest chain of dependencies from it holds, itself
   * included: the chain that must stop after it. A stop walk begins the deepest ready nodes first.
   */
  readonly stopDepth: Int32Array;
}

// Shared by every node nobody depends on (read-only by type; never mutated here).
const NO_DEPENDENTS: number[] = [];

export function buildGraph(names: readonly string[], deps: readonly (readonly number[])[]): LifecycleGraph {
  const n = names.length;
  // Every dependents list is allocated at its final size (counted first) and all nodes nobody
  // depends on share one empty list: growing 10k lists by push() was ~1 MB of garbage per build.
  const waiting = new Int32Array(n);
  const count = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const own = deps[i]!;
    waiting[i] = own.length;
    for (let k = 0; k < own.length; k++) count[own[k]!]!++;
  }
  const dependents: number[][] = new Array(n);
  for (let i = 0; i < n; i++) dependents[i] = count[i] === 0 ? NO_DEPENDENTS : new Array(count[i]);
  for (let i = 0; i < n; i++) {
    const own = deps[i]!;
    for (let k = 0; k < own.length; k++) {
      const d = own[k]!;
      dependents[d]![dependents[d]!.length - count[d]!--] = i;
    }
  }
  // Kahn's algorithm: a node enters the order once all its dependencies have. Every dependency
  // is placed before its dependents, so depths propagate along the same pass.
  const order: number[] = new Array(n);
  let placed = 0;
  const stopDepth = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) if (waiting[i] === 0) order[placed++] = i;
  for (let head = 0; head < placed; head++) {
    const u = order[head]!;
    const ds = dependents[u]!;
    const below = stopDepth[u]! + 1;
    for (let k = 0; k < ds.length; k++) {
      const s = ds[k]!;
      if (stopDepth[s]! < below) stopDepth[s] = below;
      if (--waiting[s] === 0) order[placed++] = s;
    }
  }
  if (placed < n) throw new CycleError(findCycle(names, deps, waiting));
  return { names, deps, dependents, order, stopDepth };
}

/**
 * Every node Kahn could not place still waits on another unplaced node, so following unplaced
 * dependencies from any of them must revisit a node: that loop is a cycle.
 */
function findCycle(names: readonly string[], deps: readonly (readonly number[])[], waiting: Int32Array): string[] {
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  let current = waiting.findIndex((w) => w > 0);
  while (!seenAt.has(current)) {
    seenAt.set(current, path.length);
    path.push(current);
    current = deps[current]!.find((d) => waiting[d]! > 0)!;
  }
  const cycle = path.slice(seenAt.get(current));
  cycle.push(current);
  return cycle.map((i) => names[i]!);
}

/**
 * The longest chain of `weight` along dependent→dependency edges, among nodes where `include` holds.
 * Returns the total and the chain from the first node to stop to the last.
 */
export function longestStopChain(
  graph: LifecycleGraph,
  weight: (i: number) => number,
  include: (i: number) => boolean = () => true,
): { total: number; chain: number[] } {
  const n = graph.names.length;
  const next = new Int32Array(n).fill(-1);
  const tail = chainTails(graph, weight, include, next);
  let start = -1;
  for (let i = 0; i < n; i++) if (include(i) && (start < 0 || tail[i]! > tail[start]!)) start = i;
  const chain: number[] = [];
  for (let i = start; i >= 0; i = next[i]!) chain.push(i);
  return { total: start < 0 ? 0 : tail[start]!, chain };
}

/**
 * tail[i]: the heaviest chain of `weight` that starts at i and runs down through its dependencies
 * (among included nodes). `next`, when given, receives each node's heaviest dependency.
 */
export function chainTails(
  graph: LifecycleGraph,
  weight: (i: number) => number,
  include: (i: number) => boolean,
  next?: Int32Array,
): Float64Array {
  const tail = new Float64Array(graph.names.length);
  for (const i of graph.order) {
    if (!include(i)) continue;
    let best = 0;
    for (const d of graph.deps[i]!) {
      if (include(d) && tail[d]! > best) {
        best = tail[d]!;
        if (next) next[i] = d;
      }
    }
    tail[i] = weight(i) + best;
  }
  return tail;
}

/** `nodes` reordered deepest chain first (a counting sort: linear, and stable within a depth). */
export function deepestFirst(nodes: readonly number[], depth: Int32Array): number[] {
  let max = 0;
  for (let k = 0; k < nodes.length; k++) if (depth[nodes[k]!]! > max) max = depth[nodes[k]!]!;
  const start = new Int32Array(max + 2);
  for (let k = 0; k < nodes.length; k++) start[max - depth[nodes[k]!]! + 1]!++;
  for (let d = 1; d <= max + 1; d++) start[d]! += start[d - 1]!;
  const out: number[] = new Array(nodes.length);
  for (let k = 0; k < nodes.length; k++) out[start[max - depth[nodes[k]!]!]!++] = nodes[k]!;
  return out;
}
