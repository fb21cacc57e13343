import { InvalidOptionsError, LifecycleContainer } from '@quiesce/core';
import { parseOptions } from '@quiesce/core/kit';
import { NestNotAnApplicationError, NestShutdownHooksEnabledError } from './errors.js';
import { OnceHooks, signalOf } from './hooks.js';
import { isNestApp, shutdownHookSignals, type NestApp } from './nest-shapes.js';
import { quiesceNestOptionsSchema, type ProviderOverride, type QuiesceNestOptions } from './options.js';
import { readProviderGraph, type ProviderGraph, type ProviderNode } from './provider-graph.js';

const SUBJECT = 'quiesceNest';
/** The node that closes the application once every provider stopped (`app.close()`). */
export const NEST_APP_NODE = 'nest';

/**
 * A LifecycleContainer over a Nest application: one node per provider with a shutdown hook
 * (`onModuleDestroy`, `beforeApplicationShutdown`, `onApplicationShutdown`), depending on the
 * hooked providers it injects, so each provider's hooks run while everything it injects still
 * works, independent ones in parallel, each under its own timeout, the whole under the deadline.
 * Calls `app.init()` (onModuleInit / onApplicationBootstrap) if it has not run. Start the
 * container (`await lifecycle.start()`) and let it own the signals (`lifecycle.handleSignals()`).
 */
export async function quiesceNest(app: unknown, options?: QuiesceNestOptions): Promise<LifecycleContainer> {
  const parsed = parseOptions(quiesceNestOptionsSchema, options, SUBJECT);
  if (!isNestApp(app)) throw new NestNotAnApplicationError(NEST_APP_NODE, app);
  const signals = shutdownHookSignals(app);
  if (signals) throw new NestShutdownHooksEnabledError(NEST_APP_NODE, signals);
  await app.init();
  const graph = readProviderGraph(app);
  const overrides = resolveOverrides(graph, parsed.overrides ?? []);
  const lifecycle = new LifecycleContainer({
    ...(parsed.serviceName ? { serviceName: parsed.serviceName } : {}),
    ...(parsed.shutdownTimeoutMs ? { shutdownTimeoutMs: parsed.shutdownTimeoutMs } : {}),
    ...(parsed.drainDelayMs !== undefined ? { drainDelayMs: parsed.drainDelayMs } : {}),
    ...(parsed.stopTimeoutMs ? { defaultStopTimeoutMs: parsed.stopTimeoutMs } : {}),
    ...(parsed.logger ? { logger: parsed.logger } : {}),
  });
  const tokens = new Map(graph.nodes.map((node) => [node, Symbol(node.name)]));
  for (const node of graph.nodes) {
    const override = overrides.get(node);
    const hooks = new OnceHooks(node.instance, node.hooks);
    const dependsOn = new Set([...node.dependsOn, ...(override?.extra ?? [])]);
    dependsOn.delete(node);
    lifecycle.resource(tokens.get(node)!, {
      name: override?.name ?? node.name,
      value: node.instance,
      stop: (_, ctx) => hooks.runAll(signalOf(ctx.reason)),
      pending: () => hooks.pending(),
      dependsOn: [...dependsOn].map((dep) => tokens.get(dep)!),
      ...(override?.stopTimeoutMs ? { stopTimeoutMs: override.stopTimeoutMs } : {}),
      ...(override?.policy ? { policy: override.policy } : {}),
    });
  }
  // Last: Nest's own close (HTTP server, microservices, websockets). Every hook it calls was
  // replaced by one that has already run, so this closes the servers and nothing else.
  lifecycle.resource(Symbol(NEST_APP_NODE), { name: NEST_APP_NODE, value: app, stopsLast: true, stop: (nest, ctx) => nest.close(signalOf(ctx.reason)) });
  // Only now that nothing can be refused any more: the app is changed only when it is adopted.
  guardShutdownHooks(app);
  return lifecycle;
}

function guardShutdownHooks(app: NestApp): void {
  // Called later, it would subscribe Nest's own handler next to handleSignals' one: it subscribes
  // nothing and warns instead. Not a throw: Nest's application proxy turns an error thrown by any
  // of its methods into process.exit(1) (abortOnError, the default).
  Object.defineProperty(app, 'enableShutdownHooks', {
    configurable: true,
    writable: true,
    value: (signals: unknown) => {
      process.emitWarning(new NestShutdownHooksEnabledError(NEST_APP_NODE, Array.isArray(signals) ? signals.map(String) : []));
      return app;
    },
  });
}

interface ResolvedOverride extends ProviderOverride {
  readonly extra: readonly ProviderNode[];
}

/** Each override's token and dependsOn looked up in the graph; one naming nothing is refused by field. */
function resolveOverrides(graph: ProviderGraph, overrides: readonly ProviderOverride[]): Map<ProviderNode, ResolvedOverride> {
  const byNode = new Map<ProviderNode, ResolvedOverride>();
  const issues: { field: string; message: string }[] = [];
  overrides.forEach((override, i) => {
    const targets = graph.nodes.filter((node) => node.token === override.token);
    if (targets.length === 0) issues.push({ field: `overrides.${i}.token`, message: `no provider with this token (${String(override.token)}) has a shutdown hook` });
    const extra: ProviderNode[] = [];
    (override.dependsOn ?? []).forEach((token, j) => {
      const wrappers = graph.byToken.get(token) ?? [];
      if (wrappers.length === 0) issues.push({ field: `overrides.${i}.dependsOn.${j}`, message: `no provider with this token (${String(token)})` });
      for (const wrapper of wrappers) extra.push(...graph.reach(wrapper));
    });
    for (const node of targets) byNode.set(node, { ...override, extra });
  });
  if (issues.length) throw new InvalidOptionsError(SUBJECT, issues);
  return byNode;
}
