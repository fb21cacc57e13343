import diagnostics_channel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { LifecycleContainer, diagnosticsChannels, type NodeEvent } from '../src/index.js';

function smallApp(options = {}) {
  return new LifecycleContainer(options)
    .resource('db', { value: 1, stop: () => undefined })
    .resource('api', { value: 2, dependsOn: ['db'], stop: () => { throw new Error('nope'); } });
}

describe('observability', () => {
  it('emits typed lifecycle events per node, in order', async () => {
    const seen: string[] = [];
    const app = smallApp();
    app.on('transition', (e: NodeEvent) => seen.push(`${e.node}:${e.type}`));
    let failedEvent: NodeEvent | undefined;
    app.on('failed', (e) => (failedEvent = e));
    await app.start();
    await app.shutdown();
    expect(seen).toEqual([
      'db:starting', 'db:started', 'api:starting', 'api:started',
      'api:stopping', 'api:failed', 'db:stopping', 'db:stopped',
    ]);
    expect(failedEvent).toMatchObject({ node: 'api', phase: 'stop', type: 'failed' });
    expect((failedEvent!.error as Error).message).toBe('nope');
    expect(failedEvent!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('publishes every transition on node:diagnostics_channel', async () => {
    const seen: string[] = [];
    const onStop = (message: unknown) => seen.push(`${(message as NodeEvent).node}:${(message as NodeEvent).type}`);
    diagnostics_channel.subscribe(diagnosticsChannels.stop, onStop);
    try {
      const app = smallApp();
      await app.start();
      await app.shutdown();
    } finally {
      diagnostics_channel.unsubscribe(diagnosticsChannels.stop, onStop);
    }
    expect(seen).toEqual(['api:stopping', 'api:failed', 'db:stopping', 'db:stopped']);
  });

  it('logs through a pino-shaped logger with the node in the bindings', async () => {
    const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
    const logger = Object.fromEntries(
      ['debug', 'info', 'warn', 'error'].map((level) => [level, (obj: Record<string, unknown>, msg?: string) => lines.push({ level, obj, msg })]),
    ) as never;
    const app = smallApp({ logger });
    await app.start();
    await app.shutdown();
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', msg: expect.stringMatching(/^quiesce: api failed in [\d.]+ ms: /), obj: expect.objectContaining({ node: 'api', phase: 'stop' }) }));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: expect.stringMatching(/^quiesce: db stopped in [\d.]+ ms$/) }));
  });

  it('a throwing listener does not derail the shutdown', async () => {
    const app = smallApp();
    app.on('stopping', () => { throw new Error('listener bug'); });
    await app.start();
    const report = await app.shutdown();
    expect(report.node('db')!.status).toBe('stopped');
  });
});
