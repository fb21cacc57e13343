/**
 * The end of the node's own time kept for the force path, capped at half the node's time, so the
 * force path has finished when the scheduler would give up on the node.
 */
export const FORCE_RESERVE_MS = 500;
