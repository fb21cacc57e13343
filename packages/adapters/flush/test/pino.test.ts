import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LifecycleContainer } from '@quiesce/core';
import { watchProcessErrors } from '@quiesce/test-servers';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { pinoLogger, pinoPending } from '../src/index.js';
import { leftovers, loggedMessages, loggingService, resourceBaseline, tempFile } from './support.js';

// sonic-boom sets `destroyed` once its fd is closed; pino's types leave it out.
const closedSonic = (s: object): boolean => (s as { destroyed?: boolean }).destroyed === true;

describe('pinoLogger: every line logged before and during shutdown is in the file after it', () => {
  it('pino.transport(): the worker is flushed, ended and exits last', async () => {
    const baseline = await resourceBaseline();
    const file = tempFile('transport.log');
    const transport = pino.transport({ target: 'pino/file', options: { destination: file } });
    const logger = pino(transport);
    const { app, expected } = loggingService((m) => logger.info(m), (a) => a.resource('log', pinoLogger({ logger, stopTimeoutMs: 5_000 })));
    await app.start();
    // A burst the worker cannot have taken in before shutdown begins.
    for (let i = 0; i < 5_000; i++) logger.info(`request ${i}`);
    const report = await app.shutdown();

    expect(report.ok).toBe(true);
    const log = report.node('log')!;
    expect(log.status).toBe('stopped');
    for (const other of ['db', 'api', 'worker']) expect(log.startOffsetMs!).toBeGreaterThanOrEqual(report.node(other)!.endOffsetMs!);
    expect((transport as unknown as { closed: boolean }).closed).toBe(true); // the worker thread exited (untyped in pino's .d.ts)
    const written = loggedMessages(file);
    expect(written).toHaveLength(5_000 + 300);
    expect(written.sort()).toEqual([...expected, ...Array.from({ length: 5_000 }, (_, i) => `request ${i}`)].sort());
    expect(pinoPending(logger)).toBeUndefined();
    expect(await leftovers(baseline)).toEqual({}); // no worker thread, fd or request of it left
  });

  it('pino.destination({ sync: false }): the buffer is written and the fd closed last', async () => {
    const baseline = await resourceBaseline();
    const file = tempFile('destination.log');
    // minLength: lines stay in memory until ~16 KB are buffered.
    const destination = pino.destination({ dest: file, sync: false, minLength: 16_000 });
    const logger = pino(destination);
    const { app, expected } = loggingService((m) => logger.info(m), (a) => a.resource('log', pinoLogger({ logger })));
    await app.start();
    logger.info('before shutdown');
    expect(pinoPending(logger)).toMatch(/^\d+ bytes buffered, not yet written$/);
    const report = await app.shutdown();

    expect(report.ok).toBe(true);
    expect(closedSonic(destination)).toBe(true);
    expect(loggedMessages(file).sort()).toEqual(['before shutdown', ...expected].sort());
    expect(await leftovers(baseline)).toEqual({});
  });

  it('pino.multistream(): each destination is flushed and ended', async () => {
    const baseline = await resourceBaseline();
    const [a, b] = [tempFile('a.log'), tempFile('b.log')];
    const streams = [a, b].map((dest) => pino.destination({ dest, sync: false, minLength: 16_000 }));
    const logger = pino({}, pino.multistream(streams.map((stream) => ({ stream }))));
    const child = logger.child({ component: 'child' }); // inherits the destination
    const app = loggingService(() => {}, (x) => x.resource('log', pinoLogger({ logger: child }))).app;
    await app.start();
    child.info('one');
    logger.info('two');
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(streams.every(closedSonic)).toBe(true);
    for (const file of [a, b]) expect(loggedMessages(file)).toEqual(['one', 'two']);
    expect(await leftovers(baseline)).toEqual({});
  });
});

describe('pinoLogger as the container\'s own logger', () => {
  it('lines logged after the destination closed (core logs the log node\'s own "stopped") are dropped, never a crash', async () => {
    const baseline = await resourceBaseline();
    const file = tempFile('container.log');
    const transport = pino.transport({ target: 'pino/file', options: { destination: file } });
    const logger = pino(transport);
    const app = new LifecycleContainer({ logger });
    app.resource('log', pinoLogger({ logger }));
    app.resource('api', { value: {}, stop: () => {} });
    await app.start();
    const errors = watchProcessErrors();
    const report = await app.shutdown();
    logger.info('after shutdown');
    await new Promise((r) => setTimeout(r, 50)); // thread-stream reports a write after end on the next turn
    expect(errors.stop()).toEqual([]);
    expect(report.ok).toBe(true);
    const lines = readFileSync(file, 'utf8');
    expect(lines).toContain('"node":"api"');
    expect(lines).not.toContain('after shutdown');
    expect(await leftovers(baseline)).toEqual({});
  });

  it('pino.destination(): core\'s late log line is contained; a user\'s own late call throws pino\'s "SonicBoom destroyed"', async () => {
    const baseline = await resourceBaseline();
    const file = tempFile('container-sonic.log');
    const logger = pino(pino.destination({ dest: file, sync: false }));
    const app = new LifecycleContainer({ logger });
    app.resource('log', pinoLogger({ logger }));
    await app.start();
    const errors = watchProcessErrors();
    const report = await app.shutdown();
    await new Promise((r) => setTimeout(r, 50));
    expect(errors.stop()).toEqual([]);
    expect(report.ok).toBe(true);
    expect(() => logger.info('after shutdown')).toThrow('SonicBoom destroyed');
    expect(await leftovers(baseline)).toEqual({});
  });
});

describe('pinoLogger: a transport stuck writing to its destination', () => {
  it('is cut at the node timeout: the worker thread is terminated and the report says it was still running', async () => {
    const baseline = await resourceBaseline();
    const transport = pino.transport({ target: fileURLToPath(new URL('./fixtures/stuck-transport.mjs', import.meta.url)) });
    const logger = pino(transport);
    const app = loggingService((m) => logger.info(m), (a) => a.resource('log', pinoLogger({ logger, stopTimeoutMs: 500 }))).app;
    await app.start();
    await new Promise((r) => transport.once('ready', r));
    const errors = watchProcessErrors();
    const began = performance.now();
    const report = await app.shutdown();
    const took = performance.now() - began;

    expect(report.ok).toBe(false);
    for (const other of ['db', 'api', 'worker']) expect(report.node(other)!.status).toBe('stopped');
    const log = report.node('log')!;
    expect(log).toMatchObject({ status: 'timedOut', cut: { phase: 'stop', open: [expect.stringMatching(/^transport worker still running/)] } });
    expect(took).toBeLessThan(3_000);
    // Terminated, not left running: thread-stream reports 'close' once the worker is gone.
    const closed = (transport as unknown as { closed: boolean }).closed || (await new Promise((r) => transport.once('close', () => r(true))));
    expect(closed).toBe(true);
    // Cut through thread-stream's own destroy: the stream says so, and no flush loop is left running.
    expect((transport as unknown as { destroyed: boolean }).destroyed).toBe(true);
    expect(await leftovers(baseline, 3_000)).toEqual({});
    await new Promise((r) => setTimeout(r, 50)); // the 'error' thread-stream emits a turn after its destroy
    expect(errors.stop()).toEqual([]);
  });
});
