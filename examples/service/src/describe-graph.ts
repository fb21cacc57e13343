import type { LifecycleContainer } from '@quiesce/core';

/** A few lines a person reads at startup: each node with what it needs, then the shutdown plan. */
export function describeGraph(app: LifecycleContainer): string {
  const { nodes } = app.graph();
  const width = Math.max(...nodes.map((n) => n.name.length));
  const lines = nodes.map((n) => `  ${n.name.padEnd(width)}  stop ≤ ${String(n.stopTimeoutMs).padStart(5)} ms${n.dependsOn.length ? `  needs ${n.dependsOn.join(', ')}` : ''}`);
  const plan = app.plan();
  return ['dependency graph (stops run bottom-up: a node stops after everything that needs it):', ...lines, `shutdown plan: ${plan.summary}${plan.fits ? '' : '  (does NOT fit)'}`].join('\n');
}
