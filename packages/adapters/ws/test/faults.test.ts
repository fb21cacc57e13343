import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { wsServer, type StopOutcome, type WebSocketService } from '../src/index.js';
import { connect, deafClient, memoryLogger, portOf, sleep, timed, waitFor } from './support.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A ws client in a process of its own (so it can be frozen or killed by its pid); resolves once it is connected. */
async function clientProcess(port: number): Promise<ChildProcess> {
  const script = `import { WebSocket } from 'ws'; const ws = new WebSocket('ws://127.0.0.1:${port}/'); ws.on('open', () => console.log('open')); ws.on('error', () => {});`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => String(d).includes('open') && resolve());
    child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
  });
  return child;
}

async function started(stopTimeoutMs: number, onConnection?: Parameters<typeof wsServer>[0]['onConnection']) {
  const logger = memoryLogger();
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
  app.resource('ws', wsServer({ port: 0, stopTimeoutMs, logger, onConnection }));
  await app.start();
  const service = app.get<WebSocketService>('ws');
  return { app, service, logger, port: portOf(service.server) };
}

describe('clients that misbehave', () => {
  it('a client that stops reading (megabytes queued, its buffers full) never sees the close frame: cut at the timeout, the shutdown still ends on time, the others close cleanly', async () => {
    const before = activeHandles();
    const chunk = Buffer.alloc(256 * 1024, 7);
    const { app, service, port } = await started(800, (socket, req) => {
      if (req.url === '/?flood') for (let i = 0; i < 64; i++) socket.send(chunk);
    });
    const stalled = new WebSocket(`ws://127.0.0.1:${port}/?flood`);
    stalled.on('error', () => {});
    await new Promise((r) => stalled.once('open', r));
    stalled.pause();
    const polite = await connect(port);
    // 16 MiB cannot fit in loopback socket buffers: most of it waits in the server's process.
    await waitFor(() => [...service.wss.clients].some((c) => c.bufferedAmount > 4 * 1024 * 1024));

    const [report, ms] = await timed(() => app.shutdown());
    expect(report.node('ws')?.status).toBe('timedOut');
    expect(ms).toBeLessThan(2_500);
    expect((await polite.closed).code).toBe(1001);
    await waitFor(() => service.outcome.open === 0);
    expect(service.outcome).toMatchObject({ closedCleanly: 1, terminated: 1 });
    // The test's own stalled client closed too, nothing of the server's is left.
    const stalledClosed = new Promise((r) => stalled.once('close', r));
    stalled.terminate();
    await stalledClosed;
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('clients that vanish without closing: a frozen one is terminated at the timeout; one that dies after the close frame is counted as ended without a close frame, not as cut by us', async () => {
    const before = activeHandles();
    const { app, service, logger, port } = await started(1_000);
    const frozen = await clientProcess(port);
    const dying = await clientProcess(port);
    const polite = await connect(port);
    frozen.kill('SIGSTOP');
    dying.kill('SIGSTOP');

    const stopping = timed(() => app.shutdown());
    await sleep(200);
    dying.kill('SIGKILL');
    const [report, ms] = await stopping;

    expect(report.node('ws')?.status).toBe('timedOut');
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(3_000);
    expect((await polite.closed).code).toBe(1001);
    await waitFor(() => service.outcome.open === 0);
    expect(service.outcome).toMatchObject({ closedCleanly: 1, closedAbnormally: 1, terminated: 1 });
    expect(logger.lines.find((l) => l.level === 'warn')?.msg).toBe('ws: 1 client closed cleanly, 1 ended without a close frame, 1 terminated at the timeout (close frame not answered)');
    // The frozen client (another process) was terminated: no socket to it, no timer, no listener is left.
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('only a client that died (no close frame, nothing cut by us): the node is stopped, and the log still says so', async () => {
    const before = activeHandles();
    const { app, service, logger, port } = await started(3_000);
    const dying = await clientProcess(port);
    dying.kill('SIGSTOP');
    const stopping = app.shutdown();
    await sleep(200);
    dying.kill('SIGKILL');
    const report = await stopping;
    expect(report.node('ws')?.status).toBe('stopped');
    expect(service.outcome).toMatchObject({ closedCleanly: 0, closedAbnormally: 1, terminated: 0 });
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'ws: 0 clients closed cleanly, 1 ended without a close frame' })]);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('clients cut at the timeout: service.outcome is final and true by the time the node is reported (its timedOut event, the report), not a tick later', async () => {
    const before = activeHandles();
    const { app, service, logger, port } = await started(500);
    const deaf = await Promise.all(Array.from({ length: 10 }, () => deafClient(port)));
    const polite = await connect(port);
    let atEvent: StopOutcome | undefined;
    app.on('timedOut', (e) => void (e.node === 'ws' && (atEvent = service.outcome)));
    const report = await app.shutdown();
    const atReport = service.outcome;
    expect(report.node('ws')?.status).toBe('timedOut');
    const final = { closedCleanly: 1, closedAbnormally: 0, terminated: 10, open: 0, refusedUpgrades: 0, refusedMessages: 0 };
    expect(atEvent).toEqual(final);
    expect(atReport).toEqual(final);
    // The log said the same.
    expect(logger.lines.find((l) => l.level === 'warn')?.obj).toMatchObject({ closedCleanly: 1, terminated: 10, open: 0 });
    expect((await polite.closed).code).toBe(1001);
    await Promise.all(deaf.map((d) => d.closed));
    // Once the sockets' own close events came, nothing changed.
    await sleep(20);
    expect(service.outcome).toEqual(final);
    expect(await leftoverHandles(before)).toEqual({});
  });
});
