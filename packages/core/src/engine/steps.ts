/**
 * Run hook steps in order, synchronously for as long as they return plain values, switching to
 * promises at the first thenable. Zero-cost hooks therefore cost no promise and no microtask,
 * which keeps the engine close to a bare graph walk on huge graphs.
 */
export type Step = () => unknown;

/** The step list of a node with nothing to run: shared, never mutated. */
export const NO_STEPS: readonly Step[] = [];

export function runSteps(steps: readonly Step[], from = 0, signal?: { readonly aborted: boolean }): unknown {
  for (let k = from; k < steps.length; k++) {
    // Checked between steps: once the node was given up on, the rest of its sequence is skipped.
    if (k > from && signal?.aborted) return undefined;
    const result = steps[k]!();
    if (isThenable(result)) {
      return k === steps.length - 1 ? result : Promise.resolve(result).then(() => (signal?.aborted ? undefined : runSteps(steps, k + 1, signal)));
    }
  }
  return undefined;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
