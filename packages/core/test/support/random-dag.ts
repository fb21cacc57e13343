/** Deterministic PRNG (mulberry32) so every property test run sees the same graphs per seed. */
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

/** A random DAG: node i depends on up to `maxDeps` earlier nodes. */
export function randomDag(seed: number, nodes: number, maxDeps = 2): number[][] {
  const random = rng(seed);
  return Array.from({ length: nodes }, (_, i) => {
    if (i === 0) return [];
    const count = Math.floor(random() * (maxDeps + 1));
    const deps = new Set<number>();
    for (let k = 0; k < count; k++) deps.add(Math.floor(random() * i));
    return [...deps];
  });
}
