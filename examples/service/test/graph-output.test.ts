import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { graphFormat, renderGraph, UsageError } from '../src/describe-graph.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
// The graph needs no servers: these URLs are never connected to.
const env = { ...process.env, DATABASE_URL: 'postgres://localhost/x', REDIS_URL: 'redis://localhost', AMQP_URL: 'amqp://localhost' };

function graph(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { env, timeout: 20_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

describe('the example service prints its graph in one format, renderable as is', () => {
  it('--graph dot: a DOT document and nothing else, the worst-case chain marked', async () => {
    const run = await graph('--graph', 'dot');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^digraph quiesce \{\n[\s\S]*\n\}\n$/);
    // The chain drawn is the plan's, step by step, with the plan's total (drain excluded).
    const plan = buildApp(loadConfig(env)).plan();
    const steps = plan.chain.map((s) => `${s.name} ${s.stopTimeoutMs} ms`).join(' → ');
    expect(run.stdout).toContain(`worst-case stop chain (bold): ${steps} = ${plan.worstCaseMs - plan.drainDelayMs} ms`);
    expect(plan.chain.map((s) => s.name)).toContain('schema'); // charged 0 ms: nothing to stop, still on the chain
    const [first, second] = plan.chain;
    expect(run.stdout).toContain(`"${first!.name}" -> "${second!.name}" [penwidth=2.5`);
  });

  it('--graph mermaid: front matter and a flowchart, nothing else', () => {
    const text = renderGraph(buildApp(loadConfig(env)), 'mermaid');
    expect(text).toMatch(/^---\ntitle: "every node: [^"\n]+"\n---\nflowchart TD\n/);
    expect(text).not.toMatch(/digraph|shutdown plan|dependency graph/);
  });

  it('the format argument: mermaid by default, dot, --graph=…; anything else refused', () => {
    expect(graphFormat(['--port', '1'])).toBeUndefined();
    expect(graphFormat(['--graph'])).toBe('mermaid');
    expect(graphFormat(['--', '--graph', 'dot'])).toBe('dot');
    expect(graphFormat(['--graph=dot'])).toBe('dot');
    expect(() => graphFormat(['--graph', 'svg'])).toThrow(new UsageError("--graph: unknown format 'svg' (expected mermaid or dot)"));
  });
});
