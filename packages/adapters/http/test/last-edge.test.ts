import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { httpServer } from '../src/index.js';
import { connectError, get, portOf, rawClient, sleep, waitFor, within } from './helpers.js';

/**
 * The listener's last moments (#26 point 4). close() of a listening socket resets the connections
 * in its accept queue (test/node-behaviour.test.ts); so the listener stays open through the drain,
 * answers what it accepts 503, and closes between two accepts once the connections from before
 * are gone. Under load, every connection that reaches the process gets an unambiguous answer.
 */
interface Outcomes {
  served: number;
  refused503: number;
  econnrefused: number;
  ambiguous: number;
  other: number;
  ambiguousBy: Record<string, number>;
}

const LOAD_CLIENTS = fileURLToPath(new URL('./fixtures/load-clients.mjs', import.meta.url));

/** `clients` closed-loop clients in a process of their own; resolves with their outcomes once each saw the port refuse. */
function load(port: number, clients: number, max: number): { done: Promise<Outcomes>; kill: () => void } {
  const child = spawn(process.execPath, [LOAD_CLIENTS, String(port), String(clients), String(max)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const done = new Promise<Outcomes>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Outcomes) : reject(new Error(`load clients exited with ${code}: ${out}`)))),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

describe('httpServer: what a client sees while the listener closes', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  async function startedApp(server: http.Server, options: { headerGraceMs?: number; stopTimeoutMs?: number } = {}) {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource('http', httpServer({ server, port: 0, ...options }));
    await app.start();
    cleanup.push(() => app.shutdown());
    return { app, port: portOf(server), inFlight: app.inFlight('http') };
  }

  it('24 clients POSTing on new connections through the stop: every one served, refused 503, or refused at connect; at most 3 reset over 8 runs, only handshakes the kernel completed in the closing pass (never run)', async () => {
    const RUNS = 8;
    const CLIENTS = 24;
    const total: Outcomes = { served: 0, refused503: 0, econnrefused: 0, ambiguous: 0, other: 0, ambiguousBy: {} };
    for (let run = 0; run < RUNS; run++) {
      const baseline = activeHandles();
      let ran = 0;
      let answered = 0;
      const server = http.createServer((req, res) => {
        req.resume();
        req.once('end', () => {
          ran++;
          res.once('finish', () => answered++);
          setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('created'), 1 + (ran % 3));
        });
      });
      const { app, port } = await startedApp(server);
      const clients = load(port, CLIENTS, 2_000);
      cleanup.push(clients.kill);
      // Shut down under full load: once ~100 requests were served (or 3 s, on a very slow machine).
      await waitFor(() => answered >= 100, 3_000).catch(() => {});
      const report = await app.shutdown();
      const outcomes = await within(clients.done, 30_000, 'load clients finished');

      expect(report.ok).toBe(true);
      expect(report.node('http')?.status).toBe('stopped');
      expect(server.listening).toBe(false);
      // Every request the application ran was answered in full, and the client saw it.
      expect(outcomes.served).toBe(answered);
      expect(answered).toBe(ran);
      // Each client ended on a refused connect: the listener was closed by the end of the stop.
      expect(outcomes.econnrefused).toBe(CLIENTS);
      expect(await leftoverHandles(baseline)).toEqual({});
      for (const key of ['served', 'refused503', 'econnrefused', 'ambiguous', 'other'] as const) total[key] += outcomes[key];
      for (const [why, n] of Object.entries(outcomes.ambiguousBy)) total.ambiguousBy[why] = (total.ambiguousBy[why] ?? 0) + n;
    }
    // The claim: no connection that reached the process was reset, over every run. A handshake the
    // kernel completes in the very pass that closes the listener sits in the backlog no process
    // ever accepted, and close() resets it: no application can see or answer it (and the request
    // was never run: served === answered === ran above). On a quiet machine that is 0 over the 8
    // runs; CI under load saw 1. Before the listener stayed open through the drain it was 1–10 per
    // run (8–80 here), so at most 3 still fails the old behaviour.
    expect(total.other).toBe(0);
    expect(Object.keys(total.ambiguousBy).filter((why) => why !== 'ECONNRESET')).toEqual([]);
    expect(total.ambiguous).toBeLessThanOrEqual(3);
    // Connections were accepted while stopping, and answered 503 (not reset, not run).
    expect(total.refused503).toBeGreaterThan(0);
    console.log(`[http] ${RUNS} stops under ${CLIENTS} closed-loop clients → ${total.served} served, ${total.refused503}×503, ${total.econnrefused} ECONNREFUSED, ${total.ambiguous} reset`);
  });

  it('a connection accepted during the stop that sends nothing is closed headerGraceMs after the listener closes; the stop waits for it', async () => {
    const server = http.createServer((req, res) => void setTimeout(() => res.end('done'), Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0)));
    const { app, port, inFlight } = await startedApp(server, { headerGraceMs: 200 });
    const busy = get(port, '/?ms=150');
    await waitFor(() => inFlight.active === 1);
    const began = performance.now();
    const shutdown = app.shutdown();
    await waitFor(() => inFlight.closed);
    const silent = await rawClient(port);
    const report = await shutdown;
    const ms = performance.now() - began;

    expect((await busy).body).toBe('done');
    expect(report.node('http')?.status).toBe('stopped');
    // The listener closed when the busy request's socket did (~150 ms), the silent one a grace later.
    expect(ms).toBeGreaterThanOrEqual(300);
    expect(ms).toBeLessThan(1_500);
    expect(silent.socket.destroyed || (await within(silent.closed, 500, 'silent socket closed')) > 0).toBe(true);
    expect(silent.data()).toBe('');
    expect(await connectError(port)).toBe('ECONNREFUSED');
  });

  it('an upgrade request on a connection accepted during the stop is answered 503; no upgrade listener sees it', async () => {
    const server = http.createServer((_req, res) => void setTimeout(() => res.end('done'), 200));
    let upgrades = 0;
    server.on('upgrade', (_req, socket) => {
      upgrades++;
      socket.destroy();
    });
    const { app, port, inFlight } = await startedApp(server);
    const busy = get(port, '/');
    await waitFor(() => inFlight.active === 1);
    const shutdown = app.shutdown();
    await waitFor(() => inFlight.closed);
    const client = await rawClient(port);
    client.socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    await within(client.closed, 1_000, 'refused upgrade closed');

    expect(client.data()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(client.data()).toMatch(/\r\nConnection: close\r\n/);
    expect(upgrades).toBe(0);
    await busy;
    expect((await shutdown).node('http')?.status).toBe('stopped');
  });

  it('the force path closes the listener at once: after stopTimeoutMs the port refuses, the node is timedOut', async () => {
    const server = http.createServer(() => {}); // never answers
    const { app, port, inFlight } = await startedApp(server, { stopTimeoutMs: 300 });
    const hung = get(port, '/').catch((error: NodeJS.ErrnoException) => error.code);
    await waitFor(() => inFlight.active === 1);
    const shutdown = app.shutdown();
    await sleep(100);
    // Still listening while the hung request holds the stop: a new connection is answered 503.
    const late = await get(port, '/');
    expect(late.status).toBe(503);
    const report = await shutdown;
    expect(report.node('http')?.status).toBe('timedOut');
    expect(server.listening).toBe(false);
    expect(await connectError(port)).toBe('ECONNREFUSED');
    expect(await hung).toBe('ECONNRESET');
  });
});
