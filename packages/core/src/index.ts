// Decorator metadata (design:paramtypes) needs the full polyfill before user classes are defined.
import 'reflect-metadata';

export { LifecycleContainer, PLAN_WARNING, type ContainerState } from './container/lifecycle-container.js';
export type { PendingNode } from './process/node-observer.js';
export { resource, getResourceOptions } from './container/decorators.js';
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
export { StartError, ShutdownError } from './report/report.js';
export { diagnosticsChannels, type NodeEvent, type NodeEventType, type LifecycleEventMap } from './process/events.js';
export type { HealthReport, NodeHealth } from './process/health.js';
export type { HookContext, LifecycleHooks } from './container/hooks.js';
export type { ShutdownReason } from './shutdown-reason.js';
export { InFlight } from './container/in-flight.js';
// What adapters are built from (schemas, parsing, force-path helpers, shared adapter errors) is in
// '@quiesce/core/kit'.
export type { ContainerOptionsInput as ContainerOptions, ResourceOptions, FailurePolicy, Logger, PlanSettings, PlanWarning } from './container/options.js';
export type { LifecycleModule } from './container/module.js';
export type { PhaseContext } from './engine/node-run.js';
export { PlanDoesNotFitError, type ShutdownPlan, type PlanStep } from './graph/plan.js';
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
export type { ResourceDefinition, Resolver } from './container/registration.js';
export { ShutdownReport, type NodeReport, type NodeStatus, type ShutdownReportJSON, type ReportedError, type PhaseReport, type CutReport, type DrainReport, type StopPhase, type ReportSummary } from './report/report.js';
export { DEFAULT_EXIT_GRACE_MS, type SignalOptions } from './process/signals.js';
export { lingeringHandles, formatLingering, type LingeringHandle } from './process/lingering.js';
export type { ProcessExitReport, ExitCause } from './process/exit.js';
export type { HandleOriginsMode } from './process/handle-origins.js';
export type { Token } from './token.js';
// The engine, usable on its own over plain records (no inversify): graph + walk.
export { buildGraph, type LifecycleGraph } from './graph/graph.js';
export { GraphExport, type GraphNodeInfo, type ChainStep } from './graph/export.js';
export { walk, NodeSettlement, BUDGET_SLACK_MS, type WalkOptions, type WalkResult, type NodeOutcome, type WalkStatus } from './engine/walk.js';
export { buildShutdownReport } from './report/build.js';
// inversify's decorators, so users import everything from one place.
export { inject, injectable, optional, multiInject, named, tagged, unmanaged, Container, ContainerModule } from 'inversify';
