/**
 * The end of the node's own time kept for the force path (close(true) disconnects at once; the
 * rest is bullmq's own cleanup), capped at half the node's time.
 */
export const FORCE_RESERVE_MS = 500;
