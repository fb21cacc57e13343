import { createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';
import { Writable } from 'node:stream';
import { LifecycleContainer } from '@quiesce/core';
import { afterEach, describe, expect, it } from 'vitest';
import { flushable, flushablePending, StreamFlushError } from '../src/index.js';
import { leftovers, resourceBaseline, tempFile } from './support.js';

describe('flushable: a write stream is ended and flushed when its users have stopped', () => {
  it('a file written until its writer stopped is complete, fsynced and closed after shutdown', async () => {
    const baseline = await resourceBaseline();
    const file = tempFile('audit.log');
    const stream = createWriteStream(file);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000, defaultStopTimeoutMs: 2_000 });
    app.resource('audit', flushable({ stream, fsync: true, stopTimeoutMs: 5_000 }));
    const line = (i: number) => `${String(i).padStart(8, '0')} ${'x'.repeat(1_014)}\n`; // 1 KiB
    app.resource('writer', {
      value: {},
      dependsOn: ['audit'], // the writer stops first and may still write
      stop: () => {
        for (let i = 2_000; i < 3_000; i++) stream.write(line(i));
      },
    });
    await app.start();
    for (let i = 0; i < 2_000; i++) stream.write(line(i)); // not awaited: most is still buffered
    const report = await app.shutdown();

    expect(report.ok).toBe(true);
    expect(stream.closed).toBe(true); // the fd is released
    const text = readFileSync(file, 'utf8');
    expect(text.length).toBe(3_000 * 1_024);
    expect(text.slice(-1_024)).toBe(line(2_999));
    expect(flushablePending(stream)).toBeUndefined();
    expect(await leftovers(baseline)).toEqual({}); // the fd, and no fsync or write still in flight
  });
});

describe('flushable: a stream that fails while flushing', () => {
  it('fails the node with StreamFlushError carrying the stream\'s error', async () => {
    const baseline = await resourceBaseline();
    const stream = new Writable({
      write: (_chunk, _enc, cb) => cb(),
      final: (cb) => cb(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })),
    });
    const app = new LifecycleContainer();
    app.resource('out', flushable({ stream }));
    await app.start();
    stream.write('last words');
    const report = await app.shutdown();
    expect(report.ok).toBe(false);
    expect(report.node('out')).toMatchObject({
      status: 'failed',
      error: { name: 'StreamFlushError', code: 'QUIESCE_STREAM_FLUSH_FAILED', message: 'out: stream failed while flushing, buffered data may be lost: ENOSPC: no space left on device' },
    });
    expect(await leftovers(baseline)).toEqual({});
  });

  it('two streams failing in one shutdown: each StreamFlushError names its own node (message and error.node)', async () => {
    const baseline = await resourceBaseline();
    const failing = (why: string) =>
      new Writable({
        write: (_chunk, _enc, cb) => cb(),
        final: (cb) => cb(Object.assign(new Error(`EPIPE: ${why}`), { code: 'EPIPE' })),
      });
    const app = new LifecycleContainer();
    app.resource('audit-log', flushable({ stream: failing('audit reader gone') }));
    app.resource('access-log', flushable({ stream: failing('access reader gone') }));
    const thrown = new Map<string, unknown>();
    app.on('failed', (e) => thrown.set(e.node, e.error));
    await app.start();
    const report = await app.shutdown();
    for (const [node, why] of [['audit-log', 'audit reader gone'], ['access-log', 'access reader gone']] as const) {
      expect(report.node(node)).toMatchObject({
        status: 'failed',
        error: { name: 'StreamFlushError', code: 'QUIESCE_STREAM_FLUSH_FAILED', message: `${node}: stream failed while flushing, buffered data may be lost: EPIPE: ${why}` },
      });
      expect(thrown.get(node)).toBeInstanceOf(StreamFlushError);
      expect(thrown.get(node)).toMatchObject({ node, kind: 'writable' });
    }
    expect(await leftovers(baseline)).toEqual({});
  });
});

describe('flushable: a consumer that never drains', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const fn of cleanup.splice(0)) fn();
  });

  it('is cut at the node timeout: timedOut, the stream destroyed, the unwritten bytes reported', async () => {
    const baseline = await resourceBaseline();
    // A peer that accepts and never reads: the kernel buffers fill, then the stream's own.
    const peers: net.Socket[] = [];
    const server = net.createServer((s) => {
      s.pause();
      peers.push(s);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => {
      for (const s of peers) s.destroy();
      if (server.listening) server.close();
    });
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const chunk = Buffer.alloc(65_536, 'q');
    for (let i = 0; i < 512; i++) socket.write(chunk); // 32 MiB

    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000, defaultStopTimeoutMs: 1_000 });
    app.resource('stream', flushable({ stream: socket, stopTimeoutMs: 500 }));
    app.resource('api', { value: {}, stop: () => {} });
    await app.start();
    const began = performance.now();
    const report = await app.shutdown();
    const took = performance.now() - began;

    expect(report.ok).toBe(false);
    expect(report.node('api')!.status).toBe('stopped');
    const node = report.node('stream')!;
    expect(node).toMatchObject({ status: 'timedOut', error: { code: 'QUIESCE_NODE_TIMEOUT' } });
    expect(node.durationMs!).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(2_500);
    expect(socket.destroyed).toBe(true); // cut, not left holding 32 MiB and a socket
    // The report names what the cut lost: most of the 32 MiB never left the process.
    expect(node.cut).toEqual({ phase: 'stop', open: [expect.stringMatching(/^\d+ bytes not yet written$/)] });
    expect(parseInt(node.cut!.open[0]!, 10)).toBeGreaterThan(16 * 1_048_576);
    expect(flushablePending(socket)).toBe(node.cut!.open[0]); // kept after the cut emptied the buffer
    // The test's own peer and server gone, nothing of the cut stream is left.
    for (const s of peers) s.destroy();
    await new Promise((r) => server.close(r));
    expect(await leftovers(baseline)).toEqual({});
  });
});
