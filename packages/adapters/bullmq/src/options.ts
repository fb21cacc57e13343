import { lazySchema, resourceOptionsSchema } from '@quiesce/core/kit';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import type { z } from 'zod';

const hasMethods = (methods: string[]) => (v: unknown): boolean =>
  typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

export const bullWorkerOptionsSchema = lazySchema((z) =>
  resourceOptionsSchema().extend({
    worker: z.custom<Worker>(hasMethods(['run', 'pause', 'close', 'isRunning', 'waitUntilReady', 'on']), 'expected a bullmq Worker (create it with autorun: false)'),
  }),
);
export const bullQueueOptionsSchema = lazySchema((z) =>
  resourceOptionsSchema().extend({
    queue: z.custom<Queue>(hasMethods(['add', 'close', 'disconnect', 'waitUntilReady']), 'expected a bullmq Queue'),
  }),
);
export const bullQueueEventsOptionsSchema = lazySchema((z) =>
  resourceOptionsSchema().extend({
    queueEvents: z.custom<QueueEvents>(hasMethods(['close', 'disconnect', 'waitUntilReady', 'on']), 'expected a bullmq QueueEvents'),
  }),
);

type Lifecycle<L extends () => z.ZodType, K extends string> = Omit<z.input<ReturnType<L>>, K | 'dependsOn'> & { dependsOn?: readonly unknown[] };
export type BullWorkerOptions = Lifecycle<typeof bullWorkerOptionsSchema, 'worker'> & { worker: Worker };
export type BullQueueOptions = Lifecycle<typeof bullQueueOptionsSchema, 'queue'> & { queue: Queue };
export type BullQueueEventsOptions = Lifecycle<typeof bullQueueEventsOptionsSchema, 'queueEvents'> & { queueEvents: QueueEvents };
