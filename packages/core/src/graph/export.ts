import type { LifecycleGraph } from './graph.js';

export interface GraphNodeInfo {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly reserveMs: number;
  readonly policy: 'critical' | 'bestEffort';
}

/** The dependency graph as data and as text for Mermaid and Graphviz (edges point from a node to what it depends on). */
export class GraphExport {
  constructor(readonly nodes: readonly GraphNodeInfo[]) {}

  static from(graph: LifecycleGraph, info: (i: number) => Omit<GraphNodeInfo, 'name' | 'dependsOn'>): GraphExport {
    return new GraphExport(
      graph.names.map((name, i) => ({ name, dependsOn: graph.deps[i]!.map((d) => graph.names[d]!), ...info(i) })),
    );
  }

  toMermaid(): string {
    const id = this.#ids();
    const lines = ['flowchart TD'];
    for (const n of this.nodes) lines.push(`  ${id.get(n.name)}["${escapeMermaid(n.name)}<br/>${label(n)}"]`);
    for (const n of this.nodes) for (const d of n.dependsOn) lines.push(`  ${id.get(n.name)} --> ${id.get(d)}`);
    const bestEffort = this.nodes.filter((n) => n.policy === 'bestEffort').map((n) => id.get(n.name));
    if (bestEffort.length > 0) lines.push('  classDef bestEffort stroke-dasharray: 5 5', `  class ${bestEffort.join(',')} bestEffort`);
    return lines.join('\n');
  }

  toDot(): string {
    const lines = ['digraph quiesce {', '  rankdir=TB;', '  node [shape=box, fontname="Helvetica"];'];
    for (const n of this.nodes) {
      lines.push(`  "${escapeDot(n.name)}" [label="${escapeDot(n.name)}\\n${label(n)}"${n.policy === 'bestEffort' ? ', style=dashed' : ''}];`);
    }
    for (const n of this.nodes) for (const d of n.dependsOn) lines.push(`  "${escapeDot(n.name)}" -> "${escapeDot(d)}";`);
    lines.push('}');
    return lines.join('\n');
  }

  #ids(): Map<string, string> {
    return new Map(this.nodes.map((n, i) => [n.name, `n${i}`]));
  }
}

function label(n: GraphNodeInfo): string {
  return `start ${n.startTimeoutMs} ms · stop ${n.stopTimeoutMs} ms${n.reserveMs > 0 ? ` · reserve ${n.reserveMs} ms` : ''}`;
}

function escapeMermaid(text: string): string {
  return text.replace(/"/g, '#quot;');
}

function escapeDot(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
