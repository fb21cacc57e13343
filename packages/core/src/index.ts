// Decorator metadata (design:paramtypes) needs the full polyfill before user classes are defined.
import 'reflect-metadata';

export { LifecycleContainer, type ContainerState } from './container.js';
export type { PendingNode } from './node-observer.js';
export { resource, getResourceOptions } from './decorators.js';
export {
  QuiesceError,
  CycleError,
  MissingDependencyError,
  DuplicateBindingError,
  InvalidOptionsError,
  NodeTimeoutError,
  StartError,
  StartAbortedError,
  ShutdownError,
  ShuttingDownError,
  LifecycleStateError,
  NodeOverrunError,
  EmptyRejectionError,
  InterruptedError,
  StartNotSettledError,
  ErrorCodes,
  type ErrorCode,
  type OptionIssue,
  type TimeoutReason,
} from './errors.js';
export { diagnosticsChannels, type NodeEvent, type NodeEventType, type LifecycleEventMap } from './events.js';
export type { HealthReport, NodeHealth } from './health.js';
export type { HookContext, LifecycleHooks } from './hooks.js';
export { InFlight } from './in-flight.js';
export { onAbort } from './on-abort.js';
export { parseOptions, resourceOptionsSchema, type ContainerOptionsInput as ContainerOptions, type ResourceOptions, type FailurePolicy, type Logger } from './options.js';
export { lifecycleModule, type LifecycleModule } from './module.js';
export type { PhaseContext } from './phase-context.js';
export { PlanDoesNotFitError, type ShutdownPlan, type PlanStep } from './plan.js';
export type { ResourceDefinition, Resolver } from './registration.js';
export { ShutdownReport, type NodeReport, type NodeStatus, type ShutdownReportJSON, type ReportedError } from './report.js';
export type { SignalOptions } from './signals.js';
export type { Token } from './token.js';
// The engine, usable on its own over plain records (no inversify): graph + walk.
export { buildGraph, type LifecycleGraph } from './graph.js';
export { GraphExport, type GraphNodeInfo } from './graph-export.js';
export { walk, NodeSettlement, BUDGET_SLACK_MS, type WalkOptions, type WalkResult, type NodeOutcome, type WalkStatus } from './scheduler.js';
export { buildShutdownReport } from './report.js';
// inversify's decorators, so users import everything from one place.
export { inject, injectable, optional, multiInject, named, tagged, unmanaged, Container, ContainerModule } from 'inversify';
