import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcServer, type GrpcService } from '../src/index.js';
import { client, memoryLogger, OrdersDefinition, ordersImplementation, timed, unary, waitFor } from './support.js';

const children: ChildProcess[] = [];
const closers: Array<{ close(): void }> = [];
const closeClients = (): void => {
  for (const c of closers.splice(0)) c.close();
};
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  closeClients();
});

async function started(stopTimeoutMs: number) {
  const logger = memoryLogger();
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
  app.resource('grpc', grpcServer({ create: () => new grpc.Server(), port: 0, stopTimeoutMs, logger }));
  const service = app.get<GrpcService>('grpc');
  service.addService(OrdersDefinition, ordersImplementation(() => service));
  await app.start();
  return { app, service, logger, port: service.port! };
}

/** A grpc-js client in a process of its own, reading a Feed stream; resolves once its first item arrived. */
async function feedReaderProcess(port: number): Promise<ChildProcess> {
  const script = `
    import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
    const json = { requestSerialize: (v) => Buffer.from(JSON.stringify(v)), requestDeserialize: (b) => JSON.parse(b), responseSerialize: (v) => Buffer.from(JSON.stringify(v)), responseDeserialize: (b) => JSON.parse(b) };
    const Client = grpc.makeGenericClientConstructor({ feed: { path: '/test.Orders/Feed', requestStream: false, responseStream: true, ...json } }, 'Orders');
    const call = new Client('127.0.0.1:${port}', grpc.credentials.createInsecure()).feed({});
    call.once('data', () => console.log('reading'));
    call.on('error', () => {});`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => String(d).includes('reading') && resolve());
    child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
  });
  return child;
}

/**
 * A Feed call over a bare HTTP/2 client that reads its first chunk and then stops reading: node's
 * http2 stream, paused, sends no WINDOW_UPDATE, so the server's writes pile up behind a full window.
 */
async function stalledFeed(port: number, request: unknown): Promise<{ ended: Promise<{ rstCode: number; grpcStatus: string | undefined }>; resume(): void }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  closers.push({ close: () => session.destroy() });
  const req = session.request({ ':method': 'POST', ':path': '/test.Orders/Feed', 'content-type': 'application/grpc', te: 'trailers' });
  const body = Buffer.from(JSON.stringify(request));
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  req.end(frame);
  req.on('error', () => {});
  let grpcStatus: string | undefined;
  req.on('trailers', (headers) => (grpcStatus = String(headers['grpc-status'])));
  const ended = new Promise<{ rstCode: number; grpcStatus: string | undefined }>((r) => req.once('close', () => r({ rstCode: req.rstCode ?? -1, grpcStatus })));
  await new Promise<void>((r) => req.once('data', () => r()));
  req.pause();
  // Node 24 emits the stream's 'close' only once the paused reader takes the data it buffered:
  // resume() after the stop to read how the server ended it.
  return { ended, resume: () => req.resume() };
}

describe('clients that misbehave', () => {
  it('a client that stops reading a stream (its HTTP/2 window full, the server buffering): the stream cannot end, the stop is cut at the timeout and the call cancelled, other calls completed', async () => {
    const before = activeHandles();
    const { app, logger, port } = await started(800);
    const stalled = await stalledFeed(port, { size: 64 * 1024 });
    const c = client(port);
    closers.push(c);
    const other = unary(c, 'place', { id: 1, ms: 200 });
    await waitFor(() => app.inFlight('grpc').active === 2);

    const [report, ms] = await timed(() => app.shutdown());
    expect(await other).toEqual({ ok: { placed: 1 } });
    expect(report.node('grpc')?.status).toBe('timedOut');
    expect(ms).toBeGreaterThanOrEqual(780);
    expect(ms).toBeLessThan(2_500);
    stalled.resume();
    // The client's stream ends (it does not hang), and the report agrees with what the client saw.
    // Either the stalled call is still running at the cut: forceShutdown cancels it (RST_STREAM
    // CANCEL) and the log names it. Or (seen on Node 22 and 24, a race) http2 has the handler's
    // whole response and trailers queued already when it ends on the draining signal: no call is
    // left, the session (its window full) is what holds the stop, and the report says exactly that.
    const ended = await stalled.ended;
    const cancelled = logger.lines.map((l) => l.msg);
    if (cancelled.length > 0) {
      expect(cancelled).toEqual(['grpc: forceShutdown at the timeout cancelled 1 call of /test.Orders/Feed']);
      expect(ended.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
    } else {
      expect(report.node('grpc')?.cut?.open).toEqual(['tryShutdown(): sessions still open (no tracked call left)']);
      expect(ended.grpcStatus).toBe('0');
    }
    // The test's own HTTP/2 session and grpc-js client closed, nothing of the server's is left.
    closeClients();
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a client that vanished mid-stream (its process frozen): the shutdown still ends at the timeout, reported timedOut', async () => {
    const before = activeHandles();
    const { app, service, port } = await started(800);
    const reader = await feedReaderProcess(port);
    reader.kill('SIGSTOP');
    let pendingMidStop: string[] | undefined;
    setTimeout(() => (pendingMidStop = service.pending()), 500);
    const [report, ms] = await timed(() => app.shutdown());
    expect(report.node('grpc')?.status).toBe('timedOut');
    expect(ms).toBeGreaterThanOrEqual(780);
    expect(ms).toBeLessThan(2_500);
    // Its handler ended the stream on the draining signal; the session to the frozen peer never closes.
    expect(pendingMidStop).toEqual(['tryShutdown(): sessions still open (no tracked call left)']);
    expect(report.node('grpc')?.cut?.open).toEqual(['tryShutdown(): sessions still open (no tracked call left)']);
    // forceShutdown() only half-closes the socket of a session already closed (it waits for the peer's
    // FIN, which a frozen peer never sends): the adapter cuts it, nothing is left holding the process.
    expect(await leftoverHandles(before)).toEqual({});
  });
});
