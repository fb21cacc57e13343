import { describe, expect, expectTypeOf, it } from 'vitest';
import * as core from '../src/index.js';
import * as kit from '../src/kit/main.js';
import type {
  ContainerOptions,
  ErrorCode,
  HookContext,
  NodeReport,
  NodeStatus,
  PhaseContext,
  ResourceOptions,
  ShutdownReason,
  ShutdownReport,
  ShutdownReportJSON,
  Token,
} from '../src/index.js';

/**
 * The root entry is what a service uses, and only that (#28): adding a name here is a decision,
 * removing one is a breaking change for the CHANGELOG. The runtime list is checked on the shipped
 * bundle as well as the sources; the types are checked by `pnpm typecheck` (tsconfig.json includes
 * this file), where a wrong `expectTypeOf` is a compile error — see the `@ts-expect-error` below.
 */
const ROOT_VALUES = [
  'ContainerShutDownError',
  'CycleError',
  'DEFAULT_EXIT_GRACE_MS',
  'DecoratorSetupError',
  'DuplicateBindingError',
  'EmptyRejectionError',
  'ErrorCodes',
  'GraphExport',
  'InFlight',
  'InterruptedError',
  'InvalidOptionsError',
  'KubernetesUnsafeError',
  'KubernetesWarningCodes',
  'LifecycleContainer',
  'LifecycleStateError',
  'MissingDependencyError',
  'NodeOverrunError',
  'NotResolvedYetError',
  'NodeTimeoutError',
  'PLAN_WARNING',
  'PROPAGATION_PRESETS',
  'PlanDoesNotFitError',
  'ProcessExitedError',
  'QuiesceError',
  'ReportWarningCodes',
  'ShutdownError',
  'ShutdownReport',
  'ShuttingDownError',
  'StartAbortedError',
  'StartError',
  'StartNotSettledError',
  'UndeclaredDependencyError',
  'diagnosticsChannels',
  'formatLingering',
  'getResourceOptions',
  'kubernetesNumbers',
  'lingeringHandles',
  'resource',
] as const;
type RootValue = (typeof ROOT_VALUES)[number];

/** Moved out of the root entry in #28; a service never needs them. */
const MOVED_TO_KIT = ['walk', 'buildGraph', 'NodeSettlement', 'BUDGET_SLACK_MS', 'buildShutdownReport'] as const;
const INVERSIFY_NAMES = ['inject', 'injectable', 'optional', 'multiInject', 'named', 'tagged', 'unmanaged', 'Container', 'ContainerModule'];

describe('public API: the root entry', () => {
  it('exports exactly the values a service uses (sources and shipped bundle)', async () => {
    expect(Object.keys(core).sort()).toEqual([...ROOT_VALUES].sort());
    const bundle = (await import('../dist/bundle/index.js' as string)) as object;
    expect(Object.keys(bundle).sort()).toEqual([...ROOT_VALUES].sort());
  });

  it('no longer re-exports inversify or the engine; the engine is in the kit', () => {
    for (const name of [...INVERSIFY_NAMES, ...MOVED_TO_KIT]) expect(core).not.toHaveProperty(name);
    for (const name of MOVED_TO_KIT) expect(kit).toHaveProperty(name);
  });

  it('importing core installs reflect-metadata (decorator metadata needs it before user classes)', () => {
    expect(typeof Reflect.defineMetadata).toBe('function');
    expect(typeof Reflect.getOwnMetadata).toBe('function');
  });

  it('types: the value names, the container, the hooks, the report', () => {
    expectTypeOf<keyof typeof core>().toEqualTypeOf<RootValue>();
    // A deliberately wrong assertion must not compile: were expectTypeOf unchecked, this line
    // would be an unused @ts-expect-error and `pnpm typecheck` would fail.
    // @ts-expect-error — `walk` is not a root export
    expectTypeOf<keyof typeof core>().toEqualTypeOf<RootValue | 'walk'>();

    expectTypeOf<ConstructorParameters<typeof core.LifecycleContainer>>().toEqualTypeOf<[options?: ContainerOptions]>();
    expectTypeOf<core.LifecycleContainer['start']>().returns.resolves.toBeVoid();
    expectTypeOf<core.LifecycleContainer['shutdown']>().parameters.toEqualTypeOf<[reason?: ShutdownReason | string]>();
    expectTypeOf<core.LifecycleContainer['shutdown']>().returns.resolves.toEqualTypeOf<ShutdownReport>();
    expectTypeOf<core.LifecycleContainer['shutdownReason']>().toEqualTypeOf<ShutdownReason | undefined>();
    expectTypeOf<ContainerOptions>().toHaveProperty('shutdownTimeoutMs');
    expectTypeOf<ResourceOptions>().toHaveProperty('stopTimeoutMs');
    expectTypeOf(core.resource).parameter(0).toEqualTypeOf<ResourceOptions | undefined>();
    expectTypeOf(core.resource).returns.toEqualTypeOf<ClassDecorator>();
    expectTypeOf<Token<string>>().toMatchTypeOf<Token>();

    expectTypeOf<HookContext>().toMatchTypeOf<PhaseContext>();
    expectTypeOf<HookContext['reason']>().toEqualTypeOf<ShutdownReason | undefined>();
    expectTypeOf<HookContext['warn']>().toEqualTypeOf<(code: string, message: string) => void>();
    expectTypeOf<PhaseContext['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<ShutdownReason['kind']>().toEqualTypeOf<'signal' | 'crash' | 'startFailed' | 'requested'>();

    expectTypeOf<ShutdownReport['ok']>().toBeBoolean();
    expectTypeOf<ShutdownReport['durationMs']>().toBeNumber();
    expectTypeOf<ShutdownReport['startedAt']>().toEqualTypeOf<Date>();
    expectTypeOf<NodeReport['warnings']>().toEqualTypeOf<readonly core.ReportWarning[] | undefined>();
    expectTypeOf<ShutdownReport['toJSON']>().returns.toEqualTypeOf<ShutdownReportJSON>();
    expectTypeOf<ShutdownReport['node']>().returns.toEqualTypeOf<NodeReport | undefined>();
    expectTypeOf<NodeReport['status']>().toEqualTypeOf<NodeStatus>();
    expectTypeOf<NodeStatus>().toEqualTypeOf<'stopped' | 'failed' | 'timedOut' | 'skipped'>();

    expectTypeOf<ErrorCode>().toMatchTypeOf<InstanceType<typeof core.QuiesceError>['code']>();
    expectTypeOf<ErrorCode>().toEqualTypeOf<(typeof core.ErrorCodes)[keyof typeof core.ErrorCodes]>();
    expectTypeOf<InstanceType<typeof core.StartError>>().toMatchTypeOf<InstanceType<typeof core.QuiesceError>>();
  });
});
