import { Writable } from 'node:stream';
import { LifecycleContainer } from '@quiesce/core';
import { describe, expect, it } from 'vitest';
import { flushable } from '../src/index.js';
import { leftovers, resourceBaseline } from './support.js';

/** A stream that takes 2 ms per write, keeping what it was given: lines stay buffered for a while. */
function slowStream(): { stream: Writable; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    highWaterMark: 1_024,
    write: (chunk: Buffer, _enc, cb) => {
      setTimeout(() => {
        written.push(chunk.toString());
        cb();
      }, 2);
    },
  });
  return { stream, written };
}

/** 'error' events: ERR_STREAM_WRITE_AFTER_END came as one, and destroyed the stream. */
function errorsOf(stream: Writable): Error[] {
  const errors: Error[] = [];
  stream.on('error', (e) => errors.push(e));
  return errors;
}

const lines = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`);

// Issue #27: a write() after end() was ERR_STREAM_WRITE_AFTER_END, which destroyed the stream: what
// it still buffered was lost and the node failed for a write it did not make.
describe('flushable: writes after the shutdown request', () => {
  it('a write while the stream drains is accepted and flushed: nothing buffered is lost, the report is ok', async () => {
    const baseline = await resourceBaseline();
    const { stream, written } = slowStream();
    const errors = errorsOf(stream);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource('out', flushable({ stream, stopTimeoutMs: 5_000 }));
    await app.start();
    for (const line of lines(0, 50)) stream.write(line); // ~100 ms of writes buffered
    const shutdown = app.shutdown();
    await new Promise((r) => setTimeout(r, 20)); // the stop is under way, most lines still buffered
    const late = new Promise<Error | null | undefined>((resolve) => stream.write('late line\n', resolve));
    const report = await shutdown;
    expect(report.node('out')?.error?.message).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(await late).toBeFalsy();
    expect(written.join('')).toBe([...lines(0, 50), 'late line\n'].join(''));
    expect(errors).toEqual([]);
    expect(stream.writableFinished).toBe(true);
    expect(await leftovers(baseline)).toEqual({});
  });

  it('a write once the stream was ended is refused and counted in the report; what was buffered is written in full', async () => {
    const baseline = await resourceBaseline();
    const written: string[] = [];
    // Its final step takes 100 ms: the stream is ended, not yet finished, while the write comes in.
    const stream = new Writable({
      write: (chunk: Buffer, _enc, cb) => setTimeout(() => (written.push(chunk.toString()), cb()), 1),
      final: (cb) => setTimeout(cb, 100),
    });
    const errors = errorsOf(stream);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource('out', flushable({ stream, stopTimeoutMs: 5_000 }));
    await app.start();
    for (const line of lines(0, 20)) stream.write(line);
    const shutdown = app.shutdown();
    for (let end = Date.now() + 2_000; !stream.writableEnded && Date.now() < end; ) await new Promise((r) => setTimeout(r, 1));
    expect(stream.writableEnded).toBe(true);
    const refused = new Promise<Error | null | undefined>((resolve) => stream.write('too late\n', resolve));
    const report = await shutdown;
    expect(await refused).toMatchObject({ name: 'StreamEndedError', code: 'QUIESCE_STREAM_ENDED' });
    expect(report.ok).toBe(false);
    expect(report.node('out')).toMatchObject({
      status: 'failed',
      error: { name: 'StreamLateWritesError', code: 'QUIESCE_STREAM_LATE_WRITES_REFUSED' },
    });
    expect(report.node('out')?.error?.message).toMatch(/^out: 1 write \(9 bytes\) after the stream was ended were refused/);
    expect(written.join('')).toBe(lines(0, 20).join(''));
    expect(errors).toEqual([]);
    expect(stream.writableFinished).toBe(true);
    expect(await leftovers(baseline)).toEqual({});
  });

  it('a write after the node stopped is refused with a process warning, once; no error on the stream', async () => {
    const { stream } = slowStream();
    const errors = errorsOf(stream);
    const app = new LifecycleContainer();
    app.resource('out', flushable({ stream }));
    await app.start();
    stream.write('last\n');
    expect((await app.shutdown()).ok).toBe(true);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const results = await Promise.all([1, 2].map(() => new Promise<unknown>((resolve) => stream.write('after\n', resolve))));
      await new Promise((r) => setTimeout(r, 20));
      expect(results.map((e) => (e as { code?: string }).code)).toEqual(['QUIESCE_STREAM_ENDED', 'QUIESCE_STREAM_ENDED']);
      expect(warnings.map((w) => (w as { code?: string }).code)).toEqual(['QUIESCE_STREAM_ENDED']);
      expect(errors).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
