import { constants } from 'node:os';
import type { LifecycleContainer } from './container.js';
import type { PendingNode } from './node-observer.js';
import type { ShutdownReport } from './report.js';

export interface SignalOptions {
  /** Default: SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Where messages and the report table go. Default: stderr. */
  readonly write?: (text: string) => void;
  /** Called with the report before the exit code is set. */
  readonly onReport?: (report: ShutdownReport) => void;
}

/**
 * First signal: shutdown, then `process.exitCode` (0 ok, 1 not ok or interrupted startup) and
 * the handlers are removed, so the process ends on its own once its handles are closed.
 * Second signal, or a passed global deadline: the one place quiesce exits hard, and it says why
 * and what was still pending.
 */
export function handleSignals(app: LifecycleContainer, options: SignalOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const write = options.write ?? ((text: string) => process.stderr.write(`${text}\n`));
  let received: NodeJS.Signals | undefined;

  const remove = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
  };

  const finish = (report: ShutdownReport, interruptedStart: boolean): void => {
    write(report.toTable());
    options.onReport?.(report);
    process.exitCode = report.ok && !interruptedStart ? 0 : 1;
    remove();
    if (report.deadlinePassed) {
      const cut = report.nodes
        .filter((n) => n.status === 'timedOut' || (n.status === 'skipped' && n.reason !== 'not started'))
        .sort((a, b) => (a.startOffsetMs ?? Infinity) - (b.startOffsetMs ?? Infinity));
      write(`quiesce: global deadline of ${report.deadlineMs} ms passed; cut short: ${cut.map((n) => `${n.name} (${n.status}${n.durationMs === null ? '' : `, ${Math.round(n.durationMs)} ms`})`).join(', ')}. Exiting hard with code 1.`);
      process.exit(1);
    }
  };

  function onSignal(signal: NodeJS.Signals): void {
    if (received === undefined) {
      received = signal;
      // A signal before start() completed (or during its rollback) is a failed startup: exit 1.
      const interruptedStart = !app.hasStarted;
      write(`quiesce: ${signal} received, shutting down (deadline ${app.options.shutdownTimeoutMs} ms; send it again to force exit)`);
      app.shutdown().then(
        (report) => finish(report, interruptedStart),
        (error: unknown) => {
          write(`quiesce: shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          process.exitCode = 1;
          remove();
        },
      );
      return;
    }
    const code = 128 + (constants.signals[signal] ?? 0);
    write(`quiesce: second signal (${signal}) during shutdown: exiting now with code ${code}; still pending: ${describePending(app.pending())}`);
    process.exit(code);
  }

  for (const signal of signals) process.on(signal, onSignal);
  return remove;
}

function describePending(pending: readonly PendingNode[]): string {
  if (pending.length === 0) return 'nothing (waiting for handles to close)';
  return pending.map((p) => `${p.name} (${p.phase}, ${p.forMs} ms)`).join(', ');
}
