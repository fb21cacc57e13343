import { constants } from 'node:os';
import { describeError, QuiesceError } from '../errors.js';
import { neverStarted, type ShutdownReport } from '../report/report.js';
import type { HealthReport } from './health.js';
import type { PendingNode } from './node-observer.js';
import { terminationLogPath, terminationSummary, writeReportFile, writeTerminationLog } from './report-files.js';
import { checkSignalOptions, type SignalOptions } from './signal-options.js';

export type { SignalOptions };

/** What the handlers need of a container (LifecycleContainer, structurally). */
export interface SignalTarget {
  readonly options: { readonly shutdownTimeoutMs: number };
  readonly hasStarted: boolean;
  readonly shutdownRequested: AbortSignal;
  shutdown(): Promise<ShutdownReport>;
  pending(): PendingNode[];
  health(): HealthReport;
}

/**
 * First signal: shutdown, then `process.exitCode` (0 ok, 1 not ok or interrupted startup).
 * Second signal, a passed global deadline, or a crash: the only places quiesce exits hard, and each
 * says why and what was still pending. Every handler installed here belongs to one shutdown: they
 * are removed when it finishes, however it was requested (a signal, a crash or `app.shutdown()`).
 */
export function handleSignals(app: SignalTarget, options: SignalOptions = {}): () => void {
  checkSignalOptions(options);
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const write = options.write ?? ((text: string) => process.stderr.write(`${text}\n`));
  let trigger: string | undefined;
  let finished = false;
  let exitingOnPurpose = false;
  let reported = false;

  const exitNow = (code: number, message: string): never => {
    write(message);
    // A forced exit leaves no report: the termination message says what was pending instead.
    const terminationLog = terminationLogPath(options.terminationLog);
    if (terminationLog !== undefined && !reported) bestEffort(() => writeTerminationLog(terminationLog, message), write);
    exitingOnPurpose = true;
    process.exit(code);
  };

  const remove = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    process.off('exit', onExit);
  };

  const finish = (report: ShutdownReport, interruptedStart: boolean, crashed: boolean): void => {
    reported = true;
    process.exitCode = report.ok && !interruptedStart && !crashed ? 0 : 1;
    // The user's writer and callback must not turn a finished shutdown into an unhandled rejection.
    guard(() => write(report.toTable()));
    // Each written where operators look; a failure to write is logged, never a crash or another exit code.
    if (options.reportFile !== undefined) bestEffort(() => writeReportFile(options.reportFile!, report), write);
    const terminationLog = terminationLogPath(options.terminationLog);
    if (terminationLog !== undefined) bestEffort(() => writeTerminationLog(terminationLog, terminationSummary(report)), write);
    guard(() => options.onReport?.(report));
    if (report.deadlinePassed) {
      const cut = report.nodes
        .filter((n) => n.status === 'timedOut' || (n.status === 'skipped' && !neverStarted(n.reason)))
        .sort((a, b) => (a.startOffsetMs ?? Infinity) - (b.startOffsetMs ?? Infinity));
      exitNow(1, `quiesce: global deadline of ${report.deadlineMs} ms passed; cut short: ${cut.map((n) => `${n.name} (${n.status}${n.durationMs === null ? '' : `, ${Math.round(n.durationMs)} ms`})`).join(', ')}. Exiting hard with code 1.`);
    }
    // After a crash the process state is unknown and our crash handler keeps Node from exiting on
    // its own: cleanup is done, so leave now.
    if (crashed) exitNow(1, 'quiesce: shutdown after the crash finished; exiting with code 1.');
  };

  const begin = (why: string, crashed: boolean): void => {
    trigger = why;
    // A signal before start() completed (or during its rollback) is a failed startup: exit 1.
    const interruptedStart = !app.hasStarted;
    app.shutdown().then(
      (report) => finish(report, interruptedStart, crashed),
      (error: unknown) => {
        write(`quiesce: shutdown failed: ${describe(error)}`);
        process.exitCode = 1;
      },
    );
  };

  function onSignal(signal: NodeJS.Signals): void {
    if (trigger === undefined) {
      write(`quiesce: ${signal} received, shutting down (deadline ${app.options.shutdownTimeoutMs} ms; send it again to force exit)`);
      return begin(signal, false);
    }
    const code = 128 + (constants.signals[signal] ?? 0);
    exitNow(code, `quiesce: second signal (${signal}) during shutdown: exiting now with code ${code}; still pending: ${describePending(app.pending())}`);
  }

  function onCrash(error: unknown): void {
    if (trigger === undefined) {
      write(`quiesce: crash (${describe(error)}); shutting down in order (deadline ${app.options.shutdownTimeoutMs} ms)`);
      return begin('crash', true);
    }
    exitNow(1, `quiesce: crash during shutdown (${describe(error)}): exiting now with code 1; still pending: ${describePending(app.pending())}`);
  }

  /** A hook (or anyone) called process.exit() mid-shutdown: it cannot be stopped, but it must not be silent. */
  function onExit(code: number): void {
    if (finished || exitingOnPurpose) return;
    const nodes = Object.entries(app.health().nodes).map(([name, state]) => `${name} ${state}`).join(', ');
    write(`quiesce: process.exit(${code}) was called during shutdown, before it finished; so far: ${nodes || '(no nodes)'}; still pending: ${describePending(app.pending())}`);
  }

  const watch = (): void => {
    process.on('exit', onExit);
    const done = (): void => {
      finished = true;
      remove();
    };
    app.shutdown().then(done, done);
  };

  for (const signal of signals) process.on(signal, onSignal);
  if (options.crashes) {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  }
  // Reading shutdownRequested creates its signal; this handler set is then tied to that one shutdown.
  if (app.shutdownRequested.aborted) watch();
  else app.shutdownRequested.addEventListener('abort', watch, { once: true });
  return () => {
    app.shutdownRequested.removeEventListener('abort', watch);
    remove();
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function describePending(pending: readonly PendingNode[]): string {
  if (pending.length === 0) return 'nothing (waiting for handles to close)';
  return pending.map((p) => `${p.name} (${p.phase}, ${p.forMs} ms)`).join(', ');
}

function guard(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    process.stderr.write(`quiesce: a signal handler callback threw: ${describe(error)}\n`);
  }
}

/** Writing a report where operators look is best effort: a failure is one line in the log, never a crash. */
function bestEffort(fn: () => void, write: (text: string) => void): void {
  try {
    fn();
  } catch (error) {
    const code = error instanceof QuiesceError ? ` (${error.code})` : '';
    guard(() => write(`quiesce: ${describeError(error)}${code}`));
  }
}
