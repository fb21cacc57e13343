import type { ShutdownReport } from '../report/report.js';
import { lazySchema } from '../validation/lazy-schema.js';
import { parseOrThrow } from '../validation/parse-options.js';

export interface SignalOptions {
  /** Default: SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Where messages and the report table go. Default: stderr. */
  readonly write?: (text: string) => void;
  /** Called with the report before the exit code is set. */
  readonly onReport?: (report: ShutdownReport) => void;
  /**
   * Also take the ordered path on an `uncaughtException` or `unhandledRejection`: log it, shut down
   * under the deadline, print the report and exit 1. A second crash during that shutdown exits at
   * once with the pending list. Off by default: installing these handlers changes Node's own
   * crash behaviour, which a program must opt into.
   */
  readonly crashes?: boolean;
  /**
   * Write the JSON report (pretty) to this path after every signal- or crash-driven shutdown,
   * atomically (a temp file beside it, then a rename). Its directory must exist: none is created.
   */
  readonly reportFile?: string;
  /**
   * Where a one-line summary goes for Kubernetes (`terminationMessagePath`), so `kubectl describe
   * pod` shows how the last shutdown went. Default: `/dev/termination-log` when running in
   * Kubernetes (`KUBERNETES_SERVICE_HOST` set) and that file exists and is writable; `false`: never.
   */
  readonly terminationLog?: string | false;
  /**
   * After a signal- or crash-driven shutdown's report, how long (ms) the process may take to end by
   * itself before quiesce names what still holds the event loop (each handle by Node's type, with
   * its address and the node that created it where known) and exits with the report's code.
   * Default 1000: the process ends at most that long after the report, so by the global deadline
   * plus one second. `false`: never exit — only `process.exitCode` is set (tests, CLIs and apps that
   * exit themselves). Does not apply to `app.shutdown()` called by the app itself.
   */
  readonly exitGraceMs?: number | false;
}

const signalOptionsSchema = lazySchema((z) => {
  const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'expected a function');
  const path = z.string().min(1, 'expected a non-empty path');
  return z
    .object({
      signals: z.array(z.string().regex(/^SIG[A-Z0-9]+$/, 'expected a signal name such as SIGTERM')).optional(),
      write: fn.optional(),
      onReport: fn.optional(),
      crashes: z.boolean().optional(),
      reportFile: path.optional(),
      terminationLog: z.union([path, z.literal(false)]).optional(),
      exitGraceMs: z.union([z.number().int('expected a whole number of ms').nonnegative().max(2_147_483_647), z.literal(false)]).optional(),
    })
    .strict();
});

/** Refuse bad handleSignals() options before any handler is installed, naming each field. */
export function checkSignalOptions(options: SignalOptions): SignalOptions {
  // Not parseOptions: it reads null as "no options", and handleSignals(null) must be refused.
  parseOrThrow(signalOptionsSchema(), options, 'handleSignals()');
  return options;
}
