// @quiesce/core — what a service uses: the container, the decorator, the hooks' context, the
// report and the errors. What an adapter (or the bench, or a test) is built from — option schemas,
// the force path, the engine over plain records — is in '@quiesce/core/kit'. The public surface is
// pinned by test/public-api.test.ts (names) and test/public-api.test-d.ts (types).

// The one global side effect, kept on purpose: importing core loads the `reflect-metadata`
// polyfill (a peer dependency). `@resource()` stores its options with `Reflect.defineMetadata`, and
// TypeScript's `emitDecoratorMetadata` output (`design:paramtypes`, read by inversify to inject
// constructor parameters) calls `Reflect.metadata` when a decorated class is *defined* — so it must
// be installed before the user's first decorated class, and users rely on `import … from
// '@quiesce/core'` doing that. It installs once per process (a second copy is a no-op).
import 'reflect-metadata';

// ── The container ────────────────────────────────────────────────────────────────────────────
/** The lifecycle container: register resources, `start()`, `shutdown()` → a `ShutdownReport`. */
export { LifecycleContainer, type ContainerState } from './container/lifecycle-container.js';
/** The warning code `start()` logs a plan warning with (a stop plan that does not fit its budget). */
export { PLAN_WARNING } from './container/lifecycle-container.js';
/** Options of `new LifecycleContainer(options)`, of `@resource(options)`, and their parts. */
export type { ContainerOptionsInput as ContainerOptions, ResourceOptions, FailurePolicy, Logger, PlanSettings, PlanWarning } from './container/options.js';
/** A resource declared without decorators: `app.resource(token, definition)`, and its resolver. */
export type { ResourceDefinition, Resolver } from './container/registration.js';
/** A group of declarations loaded together (`app.load(module)`). */
export type { LifecycleModule } from './container/module.js';
/** An injection token: a class, a string or a symbol. */
export type { Token } from './token.js';
/** A node's in-flight work (`app.inFlight(token)`: `run(fn)`, `track()`), drained before its stop. */
export { InFlight } from './container/in-flight.js';

// ── Declaring resources ──────────────────────────────────────────────────────────────────────
/** `@resource(options)`: a class becomes a node of the graph (implies inversify's `@injectable()`). */
export { resource } from './container/decorators.js';
/** The options `@resource()` stored on a class (undefined for a plain injectable). */
export { getResourceOptions } from './container/decorators.js';
/** What a lifecycle method receives (`start(ctx)`, `quiesce(ctx)`, `stop(ctx)`): signal, budget, reason. */
export type { PhaseContext } from './engine/node-run.js';
/** Container-wide hooks (`hooks: { beforeStop(ctx) … }`) and their context. */
export type { HookContext, LifecycleHooks } from './container/hooks.js';
/** Why a shutdown happened (`signal`, `crash`, `startFailed`, `requested`): `ctx.reason`, `app.shutdownReason`. */
export type { ShutdownReason } from './shutdown-reason.js';

// ── The report ───────────────────────────────────────────────────────────────────────────────
/** What `shutdown()` resolves to: every node's outcome and timing (`report.ok`, `report.toJSON()`). */
export { ShutdownReport } from './report/report.js';
/** The report's parts and its JSON form (the shape `schema/shutdown-report.schema.json` describes). */
export type { NodeReport, NodeStatus, ShutdownReportJSON, ReportedError, ReportWarning, PhaseReport, CutReport, DrainReport, StopPhase, ReportSummary } from './report/report.js';
/** Stable codes of the warnings nodes put in a report (`ctx.warn`): `QUIESCE_DRAIN_TOO_SHORT`. */
export { ReportWarningCodes, type ReportWarningCode } from './report/warning-codes.js';
/** The dependency graph as registered: `app.graph()` (toDot, toMermaid, chains). */
export { GraphExport, type GraphNodeInfo, type ChainStep } from './graph/export.js';
/** The stop plan checked against the budget before the first stop, and its refusal. */
export { PlanDoesNotFitError, type ShutdownPlan, type PlanStep } from './graph/plan.js';

// ── Observing ────────────────────────────────────────────────────────────────────────────────
/** `node:diagnostics_channel` names and the events published on them. */
export { diagnosticsChannels, type NodeEvent, type NodeEventType, type LifecycleEventMap } from './process/events.js';
/** `app.health()` and `app.pending()`: liveness/readiness per node, nodes still running a phase. */
export type { HealthReport, NodeHealth } from './process/health.js';
export type { PendingNode } from './process/node-observer.js';
/** Handles that keep the process alive after the shutdown, and their one-line rendering. */
export { lingeringHandles, formatLingering, type LingeringHandle } from './process/lingering.js';
export type { HandleOriginsMode } from './process/handle-origins.js';

// ── Signals and exit ─────────────────────────────────────────────────────────────────────────
/** `app.handleSignals(options)`: SIGTERM/SIGINT → shutdown → exit, and its grace after the report. */
export { DEFAULT_EXIT_GRACE_MS, type SignalOptions } from './process/signals.js';
export type { ProcessExitReport, ExitCause } from './process/exit.js';

// ── Kubernetes ───────────────────────────────────────────────────────────────────────────────
/** The numbers a pod spec needs from the plan (`plan.toKubernetes()`, `quiesce k8s`), its presets and warnings. */
export {
  kubernetesNumbers,
  KubernetesUnsafeError,
  KubernetesWarningCodes,
  PROPAGATION_PRESETS,
  type KubernetesOptions,
  type KubernetesNumbers,
  type KubernetesWarning,
  type KubernetesWarningCode,
  type PropagationPreset,
  type Propagation,
  type ReadinessNumbers,
  type PreStopForm,
} from './graph/kubernetes/index.js';

// ── Errors ───────────────────────────────────────────────────────────────────────────────────
/** Every error core throws is a `QuiesceError` with a stable `code` (one of `ErrorCodes`). */
export {
  QuiesceError,
  CycleError,
  MissingDependencyError,
  DuplicateBindingError,
  InvalidOptionsError,
  NodeTimeoutError,
  StartAbortedError,
  ShuttingDownError,
  LifecycleStateError,
  NodeOverrunError,
  EmptyRejectionError,
  InterruptedError,
  StartNotSettledError,
  UndeclaredDependencyError,
  ProcessExitedError,
  ErrorCodes,
  type ErrorCode,
  type OptionIssue,
  type TimeoutReason,
} from './errors.js';
/** Using the container out of order: `app.get()` before start resolved it, `start()` after shutdown, decorators compiled as TC39 ones. */
export { NotResolvedYetError, ContainerShutDownError, DecoratorSetupError } from './container/usage-errors.js';
/** `start()` rejects with a `StartError`; `report.throwIfFailed()` throws a `ShutdownError`. */
export { StartError, ShutdownError } from './report/report.js';
