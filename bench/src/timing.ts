/**
 * Median wall time (ms) of each function over `runs` rounds. The functions take turns within a
 * round, after warm-up rounds, so both sides of a ratio see the same machine state. (A forced GC
 * before each sample was tried: on 2 cores the concurrent sweeping it leaves behind slowed the
 * next sample 2–3×, so it is not done.)
 */
export async function interleavedMedians(runs: number, fns: readonly (() => unknown)[], warmups = 3): Promise<number[]> {
  for (let w = 0; w < warmups; w++) for (const fn of fns) await fn();
  const samples: number[][] = fns.map(() => []);
  for (let k = 0; k < runs; k++) {
    for (let f = 0; f < fns.length; f++) {
      const began = performance.now();
      await fns[f]!();
      samples[f]!.push(performance.now() - began);
    }
  }
  return samples.map(median);
}

/** The middle value (the upper one of an even count); the input is left as it was. */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** Median wall time of `runs` runs of fn (after one warm-up run), in ms. */
export async function medianMs(runs: number, fn: () => unknown): Promise<number> {
  return (await interleavedMedians(runs, [fn]))[0]!;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
