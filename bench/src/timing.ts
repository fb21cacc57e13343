const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Median wall time (ms) of each function over `runs` rounds. The functions take turns within a
 * round, after a warm-up round, with a full GC before every sample when node runs with
 * --expose-gc: both sides of a ratio see the same machine state.
 */
export async function interleavedMedians(runs: number, fns: readonly (() => unknown)[]): Promise<number[]> {
  for (const fn of fns) await fn();
  const samples: number[][] = fns.map(() => []);
  for (let k = 0; k < runs; k++) {
    for (let f = 0; f < fns.length; f++) {
      gc?.();
      const began = performance.now();
      await fns[f]!();
      samples[f]!.push(performance.now() - began);
    }
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!);
}

/** Median wall time of `runs` runs of fn (after one warm-up run), in ms. */
export async function medianMs(runs: number, fn: () => unknown): Promise<number> {
  return (await interleavedMedians(runs, [fn]))[0]!;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
