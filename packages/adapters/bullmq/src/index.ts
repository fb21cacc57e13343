export { bullWorker } from './worker.js';
export { bullQueue, bullQueueEvents } from './closable.js';
export { bullmqModule, type BullmqModuleOptions } from './module.js';
export { FORCE_RESERVE_MS } from './force.js';
export { BullConnectionForceClosedError, BullEventsUndeliveredError, BullJobsReleasedError } from './errors.js';
export type { BullQueueEventsOptions, BullQueueOptions, BullWorkerOptions } from './options.js';
