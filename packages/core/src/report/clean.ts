import { NOT_STARTED, START_NOT_COMPLETED } from '../engine/walk.js';
import type { NodeStatus } from './types.js';

export { NOT_STARTED, START_NOT_COMPLETED };

export function neverStarted(reason: string | undefined): boolean {
  return reason === NOT_STARTED || reason === START_NOT_COMPLETED;
}

/** Stopped, or never started in the first place. */
export function isClean(status: NodeStatus, reason: string | undefined): boolean {
  return status === 'stopped' || (status === 'skipped' && neverStarted(reason));
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

