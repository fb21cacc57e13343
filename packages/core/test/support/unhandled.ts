/**
 * Runs `body` with every unhandled rejection collected into the array it receives, and the
 * listener removed afterwards whatever happens: "nothing is unhandled" is asserted on that array.
 */
export async function collectingUnhandled<T>(body: (unhandled: unknown[]) => Promise<T>): Promise<T> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', listener);
  try {
    return await body(unhandled);
  } finally {
    process.off('unhandledRejection', listener);
  }
}
