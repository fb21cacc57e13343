import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { LifecycleContainer, ReportWarningCodes, type NodeReport } from '@quiesce/core';
import { startHaproxy, type HaproxyServer } from '@quiesce/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { httpServer } from '../src/index.js';
import { get } from './helpers.js';

// #29 point 3: the report sees a drain shorter than the balancer's lag. A real HAProxy routes to the
// stopping backend until its health checks have failed `fall` times: longer than the drain, the
// node's report says QUIESCE_DRAIN_TOO_SHORT with the counts; shorter, it says nothing.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function app(drainDelayMs: number) {
  const server = http.createServer((_req, res) => res.end('ok'));
  const container = new LifecycleContainer({ drainDelayMs, shutdownTimeoutMs: 10_000 });
  container.resource('api', httpServer({ server, port: 0, probes: { readiness: '/readyz', health: container } }));
  await container.start();
  cleanup.push(() => container.shutdown());
  return { container, port: (server.address() as AddressInfo).port };
}

/** Another backend that is always up, so the balancer has somewhere else to send traffic. */
async function spare(): Promise<number> {
  const server = http.createServer((req, res) => res.end(req.url === '/readyz' ? 'ready' : 'spare'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
  return (server.address() as AddressInfo).port;
}

/** `clients` loops of sequential GETs through the balancer, each on a fresh connection, 5 ms apart: bounded loopback load. */
function load(port: number, clients = 4): { stop(): Promise<{ ok: number; failed: number }> } {
  let running = true;
  const counts = { ok: 0, failed: 0 };
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      await get(port, '/work').then(
        (r) => (r.status === 200 ? counts.ok++ : counts.failed++),
        () => counts.failed++,
      );
      await sleep(5);
    }
  });
  return { stop: async () => ((running = false), await Promise.all(loops), counts) };
}

async function behindHaproxy(drainDelayMs: number, checkIntervalMs: number, fall: number) {
  const { container, port } = await app(drainDelayMs);
  const other = await spare();
  const lb: HaproxyServer = await startHaproxy({ backends: [port, other], checkPath: '/readyz', checkIntervalMs, fall, retries: 0 });
  cleanup.push(() => lb.stop());
  await lb.waitUntilUp('s1', port, 10_000);
  await lb.waitUntilUp('s2', other, 10_000);
  const traffic = load(lb.port);
  await sleep(300);
  const report = await container.shutdown();
  const counts = await traffic.stop();
  return { report, node: report.node('api')!, counts };
}

const drainWarnings = (n: NodeReport) => (n.warnings ?? []).filter((w) => w.code === ReportWarningCodes.DrainTooShort);

describe('QUIESCE_DRAIN_TOO_SHORT: behind a real HAProxy', () => {
  it('a balancer slower than the drain (checks every 2 s, fall 2): the report warns, naming drainDelayMs and the counts', async () => {
    const { report, node, counts } = await behindHaproxy(400, 2_000, 2);
    expect(counts.ok).toBeGreaterThan(0);
    const [warning, ...more] = drainWarnings(node);
    expect(more).toEqual([]);
    expect(warning?.message).toMatch(/^[1-9]\d* requests? arrived in the last \d+ ms of the \d+ ms drain or after it, before the listener closed \([1-9]\d* after the shutdown request\): .*raise drainDelayMs above the propagation lag$/);
    // The report stays ok: the stop itself was clean; the warning is how it tells the drain was short.
    expect(report.ok).toBe(true);
    expect(report.warnings).toContainEqual(expect.stringMatching(/^api QUIESCE_DRAIN_TOO_SHORT: /));
    expect(report.toTable()).toMatch(/\nwarning: api QUIESCE_DRAIN_TOO_SHORT: /);
  }, 30_000);

  it('a drain longer than the balancer\'s lag (checks every 100 ms, fall 1; 1.5 s drain): traffic moved away in time, no warning', async () => {
    const { report, node, counts } = await behindHaproxy(1_500, 100, 1);
    expect(counts.ok).toBeGreaterThan(0);
    expect(drainWarnings(node)).toEqual([]);
    expect(report.warnings).toEqual([]);
  }, 30_000);
});

describe('QUIESCE_DRAIN_TOO_SHORT: no balancer', () => {
  it('no traffic after the shutdown request (probes aside): no warning', async () => {
    const { container, port } = await app(300);
    expect((await get(port, '/work')).status).toBe(200);
    const done = container.shutdown();
    await sleep(150);
    expect((await get(port, '/readyz')).status).toBe(503);
    await sleep(120);
    expect((await get(port, '/readyz')).status).toBe(503);
    expect(drainWarnings((await done).node('api')!)).toEqual([]);
  });

  it('requests early in the drain are what it is for (no warning); one in its last 20 %: a warning', async () => {
    const early = await app(500);
    const earlyDone = early.container.shutdown();
    await sleep(50);
    expect((await get(early.port, '/work')).status).toBe(200);
    expect(drainWarnings((await earlyDone).node('api')!)).toEqual([]);

    const late = await app(500);
    const lateDone = late.container.shutdown();
    await sleep(440);
    expect((await get(late.port, '/work')).status).toBe(200);
    const [warning] = drainWarnings((await lateDone).node('api')!);
    expect(warning?.message).toMatch(/^1 request arrived in the last 1\d\d ms of the 5\d\d ms drain or after it, before the listener closed \(1 after the shutdown request\)/);
  });

  it('HTTP/2: a stream in the last 20 % of the drain warns, a /readyz probe stream does not count', async () => {
    const server = http2.createServer((_req, res) => res.end('ok'));
    const container = new LifecycleContainer({ drainDelayMs: 500, shutdownTimeoutMs: 10_000 });
    container.resource('api', httpServer({ server, port: 0, probes: { readiness: '/readyz', health: container } }));
    await container.start();
    cleanup.push(() => container.shutdown());
    const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    cleanup.unshift(() => session.close());
    const h2get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = session.request({ ':path': path });
        req.on('response', (h) => resolve(Number(h[':status'])));
        req.on('error', reject);
        req.resume();
        req.end();
      });
    expect(await h2get('/work')).toBe(200);
    const done = container.shutdown();
    await sleep(100);
    expect(await h2get('/readyz')).toBe(503);
    await sleep(340);
    expect(await h2get('/work')).toBe(200);
    const [warning, ...more] = drainWarnings((await done).node('api')!);
    expect(more).toEqual([]);
    expect(warning?.message).toMatch(/^1 request arrived in the last 1\d\d ms of the 5\d\d ms drain or after it, before the listener closed \(1 after the shutdown request\)/);
  });
});
