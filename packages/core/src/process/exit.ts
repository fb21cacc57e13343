import { formatLingering, lingeringHandles, type LingeringHandle } from './lingering.js';
import { releaseStuckWrites, type StuckWrite } from './stuck-writes.js';

/**
 * How the process ended, as the report file records it (`exit`): the code, why, and what was
 * still holding the event loop when quiesce stopped waiting for it.
 */
export interface ProcessExitReport {
  readonly code: number;
  readonly cause: ExitCause;
  /** ms from the report to the exit (absent when the exit came before any report). */
  readonly afterReportMs?: number;
  /** What still held the event loop at the exit (empty when it emptied by itself). */
  readonly heldBy: readonly LingeringHandle[];
  /** Pipes a thread of ours was blocked writing to, read and discarded so the exit could happen. */
  readonly releasedWrites?: readonly StuckWrite[];
}

export type ExitCause =
  /** The process ended without quiesce forcing it, after the report: its event loop emptied (or the app exited). */
  | 'exitedByItself'
  /** Something still held the loop `exitGraceMs` after the report: named, then exited. */
  | 'heldAfterReport'
  /** The global deadline passed: the report says what was cut; exited at once. */
  | 'deadlinePassed'
  /** The shutdown that followed a crash finished: exited, the state of the process being unknown. */
  | 'crash'
  /** A second signal during the shutdown: exited at once, the report not finished. */
  | 'secondSignal'
  /** A second crash during the shutdown: exited at once, the report not finished. */
  | 'crashDuringShutdown'
  /** Someone called `process.exit()` before the shutdown finished. */
  | 'processExitCalled';

/** How long the exit may spend reading stuck pipes before it gives up on them (and says so). */
export const RELEASE_WRITES_MS = 500;

/**
 * What holds the process right now, and — on the way out only — the pipes whose blocked writes
 * would keep `process.exit()` itself from returning, released.
 */
export function heldAtExit(release: boolean): Pick<ProcessExitReport, 'heldBy' | 'releasedWrites'> {
  const heldBy = lingeringHandles();
  if (!release) return { heldBy };
  const releasedWrites = releaseStuckWrites(RELEASE_WRITES_MS);
  return releasedWrites.length > 0 ? { heldBy, releasedWrites } : { heldBy };
}

/** The sentence a log gets: what held the process, and what was thrown away to let it go. */
export function describeHeld(exit: Pick<ProcessExitReport, 'heldBy' | 'releasedWrites'>): string {
  const released = (exit.releasedWrites ?? []).map(
    (w) =>
      `a write to fd ${w.fd} (${w.target}) was blocked because nobody reads it: discarded ${w.discardedBytes} bytes from that pipe so the process can exit${w.stillBlocked ? ' (still blocked; the exit may hang until SIGKILL)' : ''}`,
  );
  return [formatLingering(exit.heldBy), ...released].join('; ');
}
