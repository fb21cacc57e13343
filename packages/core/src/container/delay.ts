// The two waits shutdown needs: the drain delay, and a bounded wait for an interrupted start.
/** Resolves false after ms, unless `done` settles first (then its timer is cleared). */
export function sleepUnlessDone(ms: number, done: Promise<unknown>): Promise<false> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    done.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  });
}

export function sleep(ms: number): Promise<void> {
  // Ref'd: the drain delay is part of shutdown; an idle process must not exit in the middle of it.
  return new Promise((resolve) => setTimeout(resolve, ms));
}
