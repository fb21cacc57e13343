/**
 * Slack added to every reserve the budget keeps free. Timers fire late (a few ms on an idle
 * machine, tens under load): a node cut at exactly `deadline − reserves` lets the node after it
 * begin 1–12 ms inside its reserve (measured idle). With the slack per reserved node, each one
 * begins its stop at least its `reserveMs` before the point its own successors need, as long as
 * the timer that released it was less than the slack late.
 */
export const BUDGET_SLACK_MS = 25;

/** The time the budget keeps free for a node: its reserve plus the slack, nothing if it reserves nothing. */
export function budgeted(reserveMs: number): number {
  return reserveMs > 0 ? reserveMs + BUDGET_SLACK_MS : 0;
}
