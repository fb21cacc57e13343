import type { Logger } from '@quiesce/core';
import type { CloseCounts } from './clients.js';

export const TERMINATED_WARNING = 'QUIESCE_WS_TERMINATED';

export interface StopOutcome extends CloseCounts {
  /** Upgrade requests answered 503 from the shutdown request on. */
  refusedUpgrades: number;
  /** Messages that arrived once the node was stopping: not handed to your handler. */
  refusedMessages: number;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function describeOutcome(o: StopOutcome): string {
  const parts = [`${plural(o.closedCleanly, 'client')} closed cleanly`];
  if (o.closedAbnormally > 0) parts.push(`${o.closedAbnormally} ended without a close frame`);
  if (o.terminated > 0) parts.push(`${o.terminated} terminated at the timeout (close frame not answered)`);
  if (o.refusedUpgrades > 0) parts.push(`${plural(o.refusedUpgrades, 'upgrade')} refused`);
  if (o.refusedMessages > 0) parts.push(`${plural(o.refusedMessages, 'message')} arriving while stopping not handled`);
  return parts.join(', ');
}

/**
 * The stop's outcome, once: info when every client closed cleanly, warn when some were cut. Without
 * a logger, a process warning (stable code) when clients were terminated — visible by default.
 */
export function logOutcome(name: string, outcome: StopOutcome, logger: Logger | undefined): void {
  const message = `${name}: ${describeOutcome(outcome)}`;
  const cut = outcome.terminated > 0 || outcome.closedAbnormally > 0;
  if (logger) (cut ? logger.warn : logger.info).call(logger, { node: name, ...outcome }, message);
  else if (outcome.terminated > 0) process.emitWarning(message, { code: TERMINATED_WARNING });
}
