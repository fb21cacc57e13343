import { LifecycleContainer, ReportWarningCodes } from '@quiesce/core';
import { afterEach, describe, expect, it } from 'vitest';
import { wsServer, type WebSocketService } from '../src/index.js';
import { portOf, sleep, upgradeStatus } from './support.js';

// #29 point 3 for WebSockets: an upgrade after the shutdown request is refused (503); one in the
// drain's last 20 % means clients were still being sent here when it ended.
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function started(drainDelayMs: number) {
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000, drainDelayMs });
  app.resource('ws', wsServer({ port: 0 }));
  await app.start();
  cleanup.push(() => app.shutdown());
  return { app, port: portOf(app.get<WebSocketService>('ws').server) };
}

/** Shuts down, tries one upgrade `afterMs` into the drain, and returns the node's drain warnings. */
async function upgradeDuringDrain(afterMs: number) {
  const { app, port } = await started(500);
  const done = app.shutdown();
  await sleep(afterMs);
  expect(await upgradeStatus(port)).toBe('HTTP/1.1 503 Service Unavailable');
  return ((await done).node('ws')!.warnings ?? []).filter((w) => w.code === ReportWarningCodes.DrainTooShort);
}

describe('QUIESCE_DRAIN_TOO_SHORT: wsServer', () => {
  it('an upgrade early in the drain is what the drain is for: no warning', async () => {
    expect(await upgradeDuringDrain(50)).toEqual([]);
  });

  it('an upgrade in the last 20 % of the drain: a warning naming drainDelayMs and the counts', async () => {
    const [warning, ...more] = await upgradeDuringDrain(440);
    expect(more).toEqual([]);
    expect(warning?.message).toMatch(/^1 WebSocket upgrade arrived in the last 1\d\d ms of the 5\d\d ms drain or after it, before the listener closed \(1 after the shutdown request\): .*raise drainDelayMs/);
  });

  it('no upgrade after the shutdown request: no warning', async () => {
    const { app, port } = await started(200);
    expect(await upgradeStatus(port)).toBe('HTTP/1.1 101 Switching Protocols');
    expect((await app.shutdown()).node('ws')!.warnings).toBeUndefined();
  });
});
