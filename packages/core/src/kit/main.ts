// @quiesce/core/kit: what an adapter is built from — ours and yours. The root entry holds what a
// service uses (the container, decorators, the report, errors); this one what a resource author
// needs: option schemas and their parsing, the abort and force-path helpers, the shared adapter
// errors, and the connection-pool sequence. See kit/README.md for the vocabulary.
export { onAbort } from '../engine/abort.js';
export { forceAt } from '../engine/force.js';
export { forceCloseConnections, withinBudget } from '../engine/force-close.js';
export { lazySchema, zod, type LazySchema, type Zod } from '../validation/lazy-schema.js';
export { exactlyOneOf } from '../validation/exactly-one-of.js';
export { renamedFields } from '../validation/renamed-fields.js';
export { moduleBinding } from './module-binding.js';
export { parseOptions, lifecycleFields, resourceOptionsSchema, loggerSchema, tokenSchema, moduleTokenSchema } from '../container/options.js';
export { lifecycleModule, type LifecycleModule } from '../container/module.js';
export { describeError } from '../errors.js';
export { AdapterError, AdapterMisuseError, ConnectionsLostError, ForceClosedError } from './errors.js';
export { poolResource, type PoolDriver, type PoolResourceOptions, type TrackedConnections } from './connection-pool.js';
// The engine on its own, over plain records (no inversify): graph + walk, and the report built from
// a walk's result. Moved here from the root entry (#28): the bench and core's tests drive it; a
// service never does, and its shape is still allowed to change.
export { buildGraph, type LifecycleGraph } from '../graph/graph.js';
export { walk, NodeSettlement, BUDGET_SLACK_MS, type WalkOptions, type WalkResult, type NodeOutcome, type WalkStatus, type WalkTransition } from '../engine/walk.js';
export { buildShutdownReport } from '../report/build.js';
export { describeValue } from './misuse.js';
// Counting what still arrives after the shutdown request: the servers' QUIESCE_DRAIN_TOO_SHORT warning.
export { LateArrivals, LATE_WINDOW_SHARE, LATE_WINDOW_MIN_MS, drainTooShortMessage, type ArrivalCounts, type Warns } from './late-arrivals.js';
// Time: the seam the container and the walk read (`clock` option), and a fake one for tests —
// adapters' authors can run their own timing cases on it.
export { realClock, type Clock, type ClockTimer } from '../engine/clock.js';
export { fakeClock, type FakeClock } from './fake-clock.js';
