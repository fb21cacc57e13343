/**
 * How much earlier than `deadline − reserves` a budget-limited node is cut. Timers fire late (a
 * few ms on an idle machine, more under load): without slack the node after it began its stop
 * 1–12 ms inside its reserve (measured), so the reserve was not really reserved.
 */
export const BUDGET_SLACK_MS = 25;
