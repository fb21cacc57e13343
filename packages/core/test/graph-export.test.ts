import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { describe, expect, it } from 'vitest';
import { GraphExport, LifecycleContainer } from '../src/index.js';

/** http → api → db is the heaviest chain (4000 + 3000 + 5000); metrics is best effort; every start timeout is shared. */
function app() {
  // Each has a stop hook: the plan charges a node with nothing to stop 0 ms.
  const stop = () => undefined;
  return new LifecycleContainer({ defaultStartTimeoutMs: 1_000 })
    .resource('db', { value: 1, stop, stopTimeoutMs: 5_000, reserveMs: 300 })
    .resource('cache', { value: 2, stop, stopTimeoutMs: 2_000 })
    .resource('api', { value: 3, stop, stopTimeoutMs: 3_000, dependsOn: ['db', 'cache'] })
    .resource('metrics', { value: 4, stop, stopTimeoutMs: 500, dependsOn: ['db'], policy: 'bestEffort' })
    .resource('http', { value: 5, stop, stopTimeoutMs: 4_000, dependsOn: ['api'] });
}

describe('graph export: the worst-case chain, each policy, nothing repeated', () => {
  it('as data: every node with its values, and the plan\'s worst-case chain', () => {
    const graph = app().graph();
    expect(graph.nodes[0]).toEqual({ name: 'db', dependsOn: [], startTimeoutMs: 1_000, stopTimeoutMs: 5_000, reserveMs: 300, policy: 'critical' });
    expect(graph.worstCase).toEqual(['http', 'api', 'db']);
    expect(graph.worstCase).toEqual(app().plan().chain.map((s) => s.name));
    expect(graph.shared).toEqual({ startTimeoutMs: 1_000 });
  });

  it('Mermaid: a title with the shared start timeout and the chain, thick edges and outlined nodes on it, best effort dashed', () => {
    const lines = app().graph().toMermaid().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '---',
      'title: "every node: start 1000 ms; worst-case stop chain (thick): http 4000 ms → api 3000 ms → db 5000 ms = 12000 ms; dashed: best effort"',
      '---',
      'flowchart TD',
    ]);
    expect(lines).toContain('  n0["db<br/>stop 5000 ms · reserve 300 ms"]');
    expect(lines).toContain('  n3["metrics<br/>stop 500 ms · best effort"]');
    // The shared start timeout is said once, in the title, not on every box.
    expect(lines.filter((l) => l.includes('start 1000 ms'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('==>'))).toEqual(['  n2 ==> n0', '  n4 ==> n2']);
    expect(lines).toContain('  n2 --> n1'); // api → cache: not on the chain
    expect(lines).toContain('  class n4,n2,n0 worstCase');
    expect(lines).toContain('  class n3 bestEffort');
  });

  it('DOT: the same marks, and Graphviz lays it out as is', async () => {
    const dot = app().graph().toDot();
    expect(dot).toContain('label="every node: start 1000 ms; worst-case stop chain (bold): http 4000 ms → api 3000 ms → db 5000 ms = 12000 ms; dashed: best effort";');
    expect(dot).toContain('"metrics" [label="metrics\\nstop 500 ms · best effort", style=dashed];');
    expect(dot).toContain('"api" -> "db" [penwidth=2.5, color="#c0392b"];');
    expect(dot).toContain('"api" -> "cache";');
    expect(dot).toContain('"http" [label="http\\nstop 4000 ms", penwidth=2.5, color="#c0392b"];');
    const graphviz = await Graphviz.load();
    const svg = graphviz.dot(dot);
    for (const name of ['http', 'api', 'db', 'cache', 'metrics']) expect(svg).toContain(`<title>${name}</title>`);
    expect(svg).toContain('<title>api&#45;&gt;db</title>');
  });

  it('values that differ stay on each box; one node alone keeps all of its own', () => {
    const mixed = new GraphExport([
      { name: 'a', dependsOn: ['b'], startTimeoutMs: 100, stopTimeoutMs: 10, reserveMs: 0, policy: 'critical' },
      { name: 'b', dependsOn: [], startTimeoutMs: 200, stopTimeoutMs: 10, reserveMs: 0, policy: 'critical' },
    ]);
    expect(mixed.shared).toEqual({ stopTimeoutMs: 10, reserveMs: 0, policy: 'critical' });
    expect(mixed.toMermaid()).toContain('n0["a<br/>start 100 ms"]');
    expect(mixed.title('thick')).toBe('every node: stop 10 ms · policy critical; worst-case stop chain (thick): a 10 ms → b 10 ms = 20 ms');
    const alone = new GraphExport([{ name: 'x "quoted"', dependsOn: [], startTimeoutMs: 5, stopTimeoutMs: 6, reserveMs: 0, policy: 'critical' }]);
    expect(alone.shared).toEqual({});
    expect(alone.toMermaid()).toContain('n0["x #quot;quoted#quot;<br/>start 5 ms · stop 6 ms"]');
    expect(alone.toDot()).toContain('"x \\"quoted\\"" [label="x \\"quoted\\"\\nstart 5 ms · stop 6 ms", penwidth=2.5, color="#c0392b"];');
  });

  it('the plan\'s chain handed in is the one drawn, with what it charges each step', () => {
    const nodes = app().graph().nodes;
    const given = new GraphExport(nodes, [{ name: 'metrics', stopTimeoutMs: 500 }, { name: 'db', stopTimeoutMs: 0 }]);
    expect(given.worstCase).toEqual(['metrics', 'db']);
    expect(given.toMermaid().split('\n').filter((l) => l.includes('==>'))).toEqual(['  n3 ==> n0']);
    expect(given.title('bold')).toContain('worst-case stop chain (bold): metrics 500 ms → db 0 ms = 500 ms');
  });
});
