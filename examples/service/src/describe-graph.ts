import type { LifecycleContainer } from '@quiesce/core';

/** A few lines a person reads at startup: each node with what it needs, then the shutdown plan. */
export function describeGraph(app: LifecycleContainer): string {
  const { nodes } = app.graph();
  const width = Math.max(...nodes.map((n) => n.name.length));
  const lines = nodes.map((n) => `  ${n.name.padEnd(width)}  stop ≤ ${String(n.stopTimeoutMs).padStart(5)} ms${n.dependsOn.length ? `  needs ${n.dependsOn.join(', ')}` : ''}`);
  const plan = app.plan();
  return ['dependency graph (stops run bottom-up: a node stops after everything that needs it):', ...lines, `shutdown plan: ${plan.summary}${plan.fits ? '' : '  (does NOT fit)'}`].join('\n');
}

export type GraphFormat = 'mermaid' | 'dot';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--graph mermaid`, `--graph dot`, `--graph=dot`; `--graph` alone is Mermaid. Undefined without `--graph`. */
export function graphFormat(args: readonly string[]): GraphFormat | undefined {
  const at = args.findIndex((a) => a === '--graph' || a.startsWith('--graph='));
  if (at < 0) return undefined;
  const arg = args[at]!;
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[at + 1] !== undefined && !args[at + 1]!.startsWith('-') ? args[at + 1]! : 'mermaid';
  if (value !== 'mermaid' && value !== 'dot') throw new UsageError(`--graph: unknown format '${value}' (expected mermaid or dot)`);
  return value;
}

export function renderGraph(app: LifecycleContainer, format: GraphFormat): string {
  // app.graph() marks the plan's chain: a node with nothing to stop (the schema) is charged 0 ms, as start() does.
  const graph = app.graph();
  return format === 'dot' ? graph.toDot() : graph.toMermaid();
}
