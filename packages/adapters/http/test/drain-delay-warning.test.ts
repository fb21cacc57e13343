import http from 'node:http';
import { LifecycleContainer, PLAN_WARNING } from '@quiesce/core';
import { describe, expect, it } from 'vitest';
import { httpModule, httpServer } from '../src/index.js';
import { warningsWithCode } from './helpers.js';

describe('readiness without a drain delay: plan() says so, start() warns', () => {
  const warnings = warningsWithCode(PLAN_WARNING);

  async function startAndStop(app: LifecycleContainer): Promise<string[]> {
    await app.start();
    await app.shutdown();
    return warnings.take();
  }

  it('httpModule with a readiness probe and drainDelayMs 0: one warning with a stable code that says what to set', async () => {
    const app = new LifecycleContainer();
    app.load(httpModule({ name: 'api', create: () => http.createServer(), port: 0, probes: { readiness: '/readyz' } }));
    expect(app.plan().warnings).toEqual([expect.stringMatching(/^api: readiness probe \/readyz .* drainDelayMs is 0.*periodSeconds × failureThreshold/)]);
    const found = await startAndStop(app);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^quiesce: api: readiness probe \/readyz .* drainDelayMs is 0.*periodSeconds × failureThreshold/);
  });

  it('httpServer with health: app and drainDelayMs 0 warns too', async () => {
    const app = new LifecycleContainer();
    app.resource('http', httpServer({ server: http.createServer(), port: 0, probes: { readiness: '/readyz', health: app } }));
    expect(await startAndStop(app)).toHaveLength(1);
  });

  it('no warning with a drain delay, or with a liveness probe only', async () => {
    const delayed = new LifecycleContainer({ drainDelayMs: 100 });
    delayed.load(httpModule({ create: () => http.createServer(), port: 0, probes: { readiness: '/readyz' } }));
    expect(delayed.plan().warnings).toEqual([]);
    expect(await startAndStop(delayed)).toHaveLength(0);
    const livenessOnly = new LifecycleContainer();
    livenessOnly.load(httpModule({ create: () => http.createServer(), port: 0, probes: { liveness: '/livez' } }));
    expect(await startAndStop(livenessOnly)).toHaveLength(0);
  });
});
