/** Seeded PRNG (mulberry32): the same seed gives the same graph and the same stop durations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchGraph {
  /** deps[i]: the earlier nodes node i depends on. */
  readonly deps: number[][];
  /** Each node's stop sleeps this long (ms). */
  readonly stopMs: number[];
}

/** n nodes, each with 0–maxDeps dependencies on earlier nodes, stops of minMs–maxMs. */
export function randomGraph(seed: number, n: number, maxDeps = 2, minMs = 1, maxMs = 50): BenchGraph {
  const random = rng(seed);
  const deps: number[][] = [];
  const stopMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const wanted = i === 0 ? 0 : Math.floor(random() * (maxDeps + 1));
    const set = new Set<number>();
    for (let k = 0; k < wanted; k++) set.add(Math.floor(random() * i));
    deps.push([...set]);
    stopMs.push(minMs + Math.floor(random() * (maxMs - minMs + 1)));
  }
  return { deps, stopMs };
}

/** Dependents of each node (the reverse edges). */
export function dependentsOf(deps: readonly number[][]): number[][] {
  const out: number[][] = deps.map(() => []);
  deps.forEach((ds, i) => ds.forEach((d) => out[d]!.push(i)));
  return out;
}
