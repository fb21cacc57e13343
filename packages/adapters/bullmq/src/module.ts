import { InvalidOptionsError, type LifecycleModule } from '@quiesce/core';
import { lazySchema, lifecycleModule, parseOptions } from '@quiesce/core/kit';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import { bullQueue, bullQueueEvents } from './closable.js';
import type { BullQueueOptions, BullWorkerOptions, BullQueueEventsOptions } from './options.js';
import { bullWorker } from './worker.js';

export interface BullmqModuleOptions {
  /** Module name and token prefix: `<name>.queue`, `<name>.worker`, `<name>.events`. Default 'bullmq'. */
  name?: string;
  queue?: Queue | Omit<BullQueueOptions, 'name'>;
  worker?: Worker | Omit<BullWorkerOptions, 'name'>;
  queueEvents?: QueueEvents | Omit<BullQueueEventsOptions, 'name'>;
}

const moduleSchema = lazySchema((z) => z.object({ name: z.string().min(1).optional() }).loose());

/**
 * A queue, its worker and its queue events, ready for `app.load(bullmqModule({...}))`. The worker
 * depends on the queue (a job that adds jobs needs the queue open until the worker stopped) and on
 * the queue events (issue #27: the completions the worker writes while it finishes its jobs must
 * still be heard, so the events stop after it; and they start before it, so its first completions
 * are heard too). The queue events depend on nothing. Options are validated here, not at load.
 */
export function bullmqModule(options: BullmqModuleOptions): LifecycleModule {
  const { name = 'bullmq' } = parseOptions(moduleSchema, options, 'bullmqModule');
  const wrap = <T, O>(value: T | O | undefined, key: string): O | undefined =>
    value === undefined ? undefined : ((value as Record<string, unknown>)[key] !== undefined ? (value as O) : ({ [key]: value } as O));
  const queueOptions = wrap<Queue, BullQueueOptions>(options.queue, 'queue');
  const workerOptions = wrap<Worker, BullWorkerOptions>(options.worker, 'worker');
  const eventsOptions = wrap<QueueEvents, BullQueueEventsOptions>(options.queueEvents, 'queueEvents');
  const tokens = { queue: `${name}.queue`, worker: `${name}.worker`, events: `${name}.events` };
  const queue = queueOptions && nested(options.queue, 'queue', () => bullQueue({ ...queueOptions, name: tokens.queue }));
  const events = eventsOptions && nested(options.queueEvents, 'queueEvents', () => bullQueueEvents({ ...eventsOptions, name: tokens.events }));
  const worker =
    workerOptions &&
    nested(options.worker, 'worker', () =>
      bullWorker({
        ...workerOptions,
        name: tokens.worker,
        dependsOn: [...(queue ? [tokens.queue] : []), ...(events ? [tokens.events] : []), ...(workerOptions.dependsOn ?? [])],
      }),
    );
  return lifecycleModule(name, (app) => {
    if (queue) app.resource(tokens.queue, queue);
    if (worker) app.resource(tokens.worker, worker);
    if (events) app.resource(tokens.events, events);
  });
}

/**
 * Builds one sub-resource, its option errors renamed to the module's fields (issue #27): the
 * resource names `stopTimeoutMs`, the user wrote `worker.stopTimeoutMs` in bullmqModule's options.
 * An instance given bare (`worker: new Worker(...)`) was wrapped as `{ worker }`: its field is `worker`.
 */
function nested<T>(given: unknown, key: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof InvalidOptionsError)) throw error;
    const bare = (given as Record<string, unknown>)[key] === undefined;
    const field = (f: string): string => (bare && f === key ? key : `${key}.${f}`);
    throw new InvalidOptionsError(
      'bullmqModule',
      error.issues.map((issue) => ({ ...issue, field: field(issue.field) })),
    );
  }
}
