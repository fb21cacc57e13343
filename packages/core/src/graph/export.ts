import { buildGraph, longestStopChain, type LifecycleGraph } from './graph.js';

export interface GraphNodeInfo {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly reserveMs: number;
  readonly policy: 'critical' | 'bestEffort';
}

/** One step of the worst-case chain (a plan's `PlanStep` is one). */
export interface ChainStep {
  readonly name: string;
  /** What the worst case charges it: its stop timeout, or 0 when it has nothing to stop. */
  readonly stopTimeoutMs: number;
}

type Field = 'startTimeoutMs' | 'stopTimeoutMs' | 'reserveMs' | 'policy';
const FIELDS: readonly Field[] = ['startTimeoutMs', 'stopTimeoutMs', 'reserveMs', 'policy'];
const WORST = '#c0392b';

/**
 * The dependency graph as data and as text for Mermaid and Graphviz (edges point from a node to
 * what it depends on). The plan's worst-case chain is drawn thick; best-effort nodes dashed; a
 * value every node shares is said once in the title instead of on every box.
 */
export class GraphExport {
  /** The worst-case chain, first to stop first, with what each step is charged. */
  readonly chain: readonly ChainStep[];

  /**
   * `chain`: the plan's (`app.plan().chain`), which charges a node with nothing to stop 0 ms;
   * without one, the heaviest chain of configured stop timeouts.
   */
  constructor(
    readonly nodes: readonly GraphNodeInfo[],
    chain?: readonly ChainStep[],
  ) {
    this.chain = chain ?? worstChainOf(nodes);
  }

  static from(graph: LifecycleGraph, info: (i: number) => Omit<GraphNodeInfo, 'name' | 'dependsOn'>, chain?: readonly ChainStep[]): GraphExport {
    return new GraphExport(
      graph.names.map((name, i) => ({ name, dependsOn: graph.deps[i]!.map((d) => graph.names[d]!), ...info(i) })),
      chain,
    );
  }

  /** The worst-case chain's node names, first to stop first. */
  get worstCase(): readonly string[] {
    return this.chain.map((s) => s.name);
  }

  /** What every box would repeat (with two nodes or more), said once in the title. */
  get shared(): Partial<Pick<GraphNodeInfo, Field>> {
    if (this.nodes.length < 2) return {};
    const first = this.nodes[0]!;
    const shared: Partial<Record<Field, unknown>> = {};
    for (const f of FIELDS) if (this.nodes.every((n) => n[f] === first[f])) shared[f] = first[f];
    return shared as Partial<Pick<GraphNodeInfo, Field>>;
  }

  /** One line: the shared values, the worst-case chain and how the picture marks things. */
  title(style: 'thick' | 'bold'): string {
    const shared = this.shared;
    const every = describe(shared);
    const total = this.chain.reduce((sum, step) => sum + step.stopTimeoutMs, 0);
    const steps = this.chain.map((step) => `${step.name} ${step.stopTimeoutMs} ms`);
    const parts = [
      ...(every ? [`every node: ${every}`] : []),
      `worst-case stop chain (${style}): ${steps.join(' → ') || '-'} = ${total} ms`,
      ...(shared.policy === undefined && this.nodes.some((n) => n.policy === 'bestEffort') ? ['dashed: best effort'] : []),
    ];
    return parts.join('; ');
  }

  toMermaid(): string {
    const id = new Map(this.nodes.map((n, i) => [n.name, `n${i}`]));
    const onChain = this.#chainEdges();
    const shared = this.shared;
    // Front matter: Mermaid draws `title` above the chart (a %% comment would not be seen).
    const lines = ['---', `title: ${JSON.stringify(this.title('thick'))}`, '---', 'flowchart TD'];
    for (const n of this.nodes) lines.push(`  ${id.get(n.name)}["${[escapeMermaid(n.name), ...own(n, shared)].join('<br/>')}"]`);
    for (const n of this.nodes) {
      for (const d of n.dependsOn) lines.push(`  ${id.get(n.name)} ${onChain.has(`${n.name}\0${d}`) ? '==>' : '-->'} ${id.get(d)}`);
    }
    if (this.worstCase.length > 0) lines.push(`  classDef worstCase stroke:${WORST},stroke-width:3px`, `  class ${this.worstCase.map((n) => id.get(n)).join(',')} worstCase`);
    const bestEffort = this.nodes.filter((n) => n.policy === 'bestEffort').map((n) => id.get(n.name));
    if (bestEffort.length > 0) lines.push('  classDef bestEffort stroke-dasharray: 5 5', `  class ${bestEffort.join(',')} bestEffort`);
    return lines.join('\n');
  }

  toDot(): string {
    const onChain = this.#chainEdges();
    const worst = new Set(this.worstCase);
    const shared = this.shared;
    const lines = ['digraph quiesce {', `  label="${escapeDot(this.title('bold'))}";`, '  labelloc=t;', '  fontname="Helvetica";', '  rankdir=TB;', '  node [shape=box, fontname="Helvetica"];'];
    for (const n of this.nodes) {
      const attrs = [`label="${[escapeDot(n.name), ...own(n, shared).map(escapeDot)].join('\\n')}"`];
      if (n.policy === 'bestEffort') attrs.push('style=dashed');
      if (worst.has(n.name)) attrs.push(`penwidth=2.5, color="${WORST}"`);
      lines.push(`  "${escapeDot(n.name)}" [${attrs.join(', ')}];`);
    }
    for (const n of this.nodes) {
      for (const d of n.dependsOn) lines.push(`  "${escapeDot(n.name)}" -> "${escapeDot(d)}"${onChain.has(`${n.name}\0${d}`) ? ` [penwidth=2.5, color="${WORST}"]` : ''};`);
    }
    lines.push('}');
    return lines.join('\n');
  }

  /** Edges along the worst-case chain, as `from\0to`. */
  #chainEdges(): Set<string> {
    return new Set(this.worstCase.slice(1).map((to, k) => `${this.worstCase[k]!}\0${to}`));
  }
}

/** The heaviest chain of stop timeouts, when no plan gave one. */
function worstChainOf(nodes: readonly GraphNodeInfo[]): ChainStep[] {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const graph = buildGraph(nodes.map((n) => n.name), nodes.map((n) => n.dependsOn.map((d) => index.get(d)!)));
  return longestStopChain(graph, (i) => nodes[i]!.stopTimeoutMs).chain.map((i) => ({ name: nodes[i]!.name, stopTimeoutMs: nodes[i]!.stopTimeoutMs }));
}

/** The values of one node that the title does not already say. */
function own(n: GraphNodeInfo, shared: Partial<Pick<GraphNodeInfo, Field>>): string[] {
  // Critical is the default: a box says only "best effort".
  const fields = FIELDS.filter((f) => shared[f] === undefined && !(f === 'policy' && n.policy === 'critical'));
  const text = describe(Object.fromEntries(fields.map((f) => [f, n[f]])));
  return text ? [text] : [];
}

function describe(values: Partial<Pick<GraphNodeInfo, Field>>): string {
  return [
    values.startTimeoutMs === undefined ? '' : `start ${values.startTimeoutMs} ms`,
    values.stopTimeoutMs === undefined ? '' : `stop ${values.stopTimeoutMs} ms`,
    values.reserveMs === undefined || values.reserveMs === 0 ? '' : `reserve ${values.reserveMs} ms`,
    values.policy === undefined ? '' : values.policy === 'bestEffort' ? 'best effort' : 'policy critical',
  ].filter(Boolean).join(' · ');
}

function escapeMermaid(text: string): string {
  return text.replace(/"/g, '#quot;');
}

function escapeDot(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
