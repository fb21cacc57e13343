/**
 * What a fault test checks after the report: the process could exit by itself, i.e. the driver
 * left no socket or timer keeping the event loop alive, and nothing escaped as an unhandled
 * rejection or uncaught exception. `process.getActiveResourcesInfo()` lists only what keeps the
 * loop alive (unref'd timers are not in it).
 */
export type HandleCounts = Record<string, number>;

// The kinds a driver leaves behind; the test runner's own pipes and workers are not compared.
const KINDS = new Set(['TCPSocketWrap', 'TCPWrap', 'Timeout', 'TLSWrap', 'Immediate']);

/** `extraKinds`: handle types the code under test legitimately creates (a pipe, a file request, a worker), compared too. */
export function activeHandles(extraKinds: readonly string[] = []): HandleCounts {
  const counts: HandleCounts = {};
  for (const kind of process.getActiveResourcesInfo()) if (KINDS.has(kind) || extraKinds.includes(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Handles beyond `baseline`, polled until none are left or `withinMs` passed: {} means the process could exit. */
export async function leftoverHandles(baseline: HandleCounts, withinMs = 500, extraKinds: readonly string[] = []): Promise<HandleCounts> {
  const end = Date.now() + withinMs;
  for (;;) {
    const extra: HandleCounts = {};
    for (const [kind, n] of Object.entries(activeHandles(extraKinds))) if (n > (baseline[kind] ?? 0)) extra[kind] = n - (baseline[kind] ?? 0);
    if (Object.keys(extra).length === 0 || Date.now() >= end) return extra;
    await new Promise((resolve) => setTimeout(resolve, 10).unref());
  }
}

/** Collects unhandled rejections and uncaught exceptions until `stop()`; returns what it saw. */
export function watchProcessErrors(): { readonly errors: unknown[]; stop(): unknown[] } {
  const errors: unknown[] = [];
  const record = (error: unknown): void => void errors.push(error);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    errors,
    stop: () => {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
      return errors;
    },
  };
}
