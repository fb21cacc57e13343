import { constants } from 'node:os';
import { describeError, QuiesceError } from '../errors.js';
import { neverStarted, round, type ShutdownReport } from '../report/report.js';
import { describeHeld, heldAtExit, type ExitCause, type ProcessExitReport } from './exit.js';
import type { HealthReport } from './health.js';
import type { PendingNode } from './node-observer.js';
import type { ShutdownReason } from '../shutdown-reason.js';
import { terminationLogPath, terminationSummary, writeReportFile, writeTerminationLog } from './report-files.js';
import { checkSignalOptions, type SignalOptions } from './signal-options.js';

export type { SignalOptions };

/** What the handlers need of a container (LifecycleContainer, structurally). */
export interface SignalTarget {
  readonly options: { readonly shutdownTimeoutMs: number };
  readonly hasStarted: boolean;
  readonly shutdownRequested: AbortSignal;
  shutdown(reason?: ShutdownReason): Promise<ShutdownReport>;
  pending(): PendingNode[];
  health(): HealthReport;
  /** The report so far, for an exit before the shutdown finished (`why` ended it); not ok. */
  interruptedReport?(why: string): ShutdownReport | undefined;
}

/**
 * After a signal-driven shutdown's report, how long the event loop may take to empty by itself
 * before quiesce names what still holds it and exits with the report's code. Short: everything the
 * nodes owned is closed by then; what is left (a stray interval, a server no node owns, a stuck
 * log pipe) would otherwise keep the pod until the kubelet's SIGKILL.
 */
export const DEFAULT_EXIT_GRACE_MS = 1_000;

/**
 * First signal: shutdown, then `process.exitCode` (0 ok, 1 not ok or interrupted startup), and
 * the process ends by itself — or, if something still holds its event loop `exitGraceMs` after
 * the report, quiesce names what and exits with that code. Second signal, a passed global deadline,
 * or a crash: quiesce exits at once, saying why and what was still pending. Every way out writes
 * the report file (the report so far, if the shutdown did not finish) with how the process ended.
 * Every handler installed here belongs to one shutdown: they are removed when it finishes, however
 * it was requested (a signal, a crash or `app.shutdown()`).
 */
export function handleSignals(app: SignalTarget, options: SignalOptions = {}): () => void {
  checkSignalOptions(options);
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const write = options.write ?? ((text: string) => process.stderr.write(`${text}\n`));
  const exitGraceMs = options.exitGraceMs ?? DEFAULT_EXIT_GRACE_MS;
  let trigger: string | undefined;
  let finished = false;
  let exitingOnPurpose = false;
  /** The finished shutdown's report, and when it was made (performance.now()). */
  let final: { readonly report: ShutdownReport; readonly at: number } | undefined;

  /** The report file again, with how the process ended: the final report, or what is known so far. */
  const recordExit = (exit: ProcessExitReport, why: string): void => {
    if (options.reportFile === undefined) return;
    const report = final?.report ?? app.interruptedReport?.(why);
    if (report) bestEffort(() => writeReportFile(options.reportFile!, report, exit), write);
  };

  const exitReport = (code: number, cause: ExitCause, held: Pick<ProcessExitReport, 'heldBy' | 'releasedWrites'>): ProcessExitReport => ({
    code,
    cause,
    ...(final ? { afterReportMs: round(performance.now() - final.at) } : {}),
    ...held,
  });

  const exitNow = (code: number, cause: ExitCause, message: string, why: string): never => {
    // Stuck pipe writes first: our own message may go to the very pipe that is full.
    const held = heldAtExit(true);
    write(`${message} Still holding the process: ${describeHeld(held)}.`);
    recordExit(exitReport(code, cause, held), why);
    // A forced exit before the report: the termination message says what was pending instead.
    const terminationLog = terminationLogPath(options.terminationLog);
    if (terminationLog !== undefined && !final) bestEffort(() => writeTerminationLog(terminationLog, message), write);
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
    final = { report, at: performance.now() };
    const code = report.ok && !interruptedStart && !crashed ? 0 : 1;
    process.exitCode = code;
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
      const names = cut.map((n) => `${n.name} (${n.status}${n.durationMs === null ? '' : `, ${Math.round(n.durationMs)} ms`})`).join(', ');
      exitNow(1, 'deadlinePassed', `quiesce: global deadline of ${report.deadlineMs} ms passed; cut short: ${names}. Exiting hard with code 1.`, 'the global deadline passed');
    }
    // After a crash the process state is unknown and our crash handler keeps Node from exiting on
    // its own: cleanup is done, so leave now.
    if (crashed) exitNow(1, 'crash', 'quiesce: shutdown after the crash finished; exiting with code 1.', 'the crash');
    if (exitGraceMs !== false) exitWithin(exitGraceMs, code);
  };

  /** The loop should empty by itself now; if it has not within the grace, name what holds it and leave. */
  const exitWithin = (graceMs: number, code: number): void => {
    const onEnded = (exitCode: number): void => {
      clearTimeout(timer);
      if (!exitingOnPurpose) recordExit(exitReport(exitCode, 'exitedByItself', { heldBy: [] }), 'the process exited');
    };
    // Unref'd: it must not be what keeps the process alive, only what ends it.
    const timer = setTimeout(() => {
      process.off('exit', onEnded);
      exitNow(code, 'heldAfterReport', `quiesce: the process was still held ${graceMs} ms after the shutdown report; exiting with code ${code}.`, 'the process was held after the report');
    }, graceMs).unref();
    process.once('exit', onEnded);
  };

  const begin = (why: string, reason: ShutdownReason): void => {
    trigger = why;
    const crashed = reason.kind === 'crash';
    // A signal before start() completed (or during its rollback) is a failed startup: exit 1.
    const interruptedStart = !app.hasStarted;
    app.shutdown(reason).then(
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
      return begin(signal, { kind: 'signal', signal });
    }
    const code = 128 + (constants.signals[signal] ?? 0);
    exitNow(code, 'secondSignal', `quiesce: second signal (${signal}) during shutdown: exiting now with code ${code}; still pending: ${describePending(app.pending())}.`, `a second ${signal} arrived`);
  }

  function onCrash(error: unknown): void {
    if (trigger === undefined) {
      write(`quiesce: crash (${describe(error)}); shutting down in order (deadline ${app.options.shutdownTimeoutMs} ms)`);
      return begin('crash', { kind: 'crash', error });
    }
    exitNow(1, 'crashDuringShutdown', `quiesce: crash during shutdown (${describe(error)}): exiting now with code 1; still pending: ${describePending(app.pending())}.`, 'a second crash happened');
  }

  /**
   * A hook (or anyone) called process.exit() mid-shutdown: it cannot be stopped, but it must not be
   * silent, and the report file must still say what stopped, what was running and what never began.
   */
  function onExit(code: number): void {
    if (finished || exitingOnPurpose) return;
    const nodes = Object.entries(app.health().nodes).map(([name, state]) => `${name} ${state}`).join(', ');
    const held = heldAtExit(true);
    write(`quiesce: process.exit(${code}) was called during shutdown, before it finished; so far: ${nodes || '(no nodes)'}; still pending: ${describePending(app.pending())}`);
    recordExit(exitReport(code, 'processExitCalled', held), `process.exit(${code}) was called`);
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
