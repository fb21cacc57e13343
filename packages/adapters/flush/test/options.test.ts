import { PassThrough } from 'node:stream';
import { LifecycleContainer } from '@quiesce/core';
import { invalidOptions as invalid } from '@quiesce/test-servers';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESERVE_MS, flushable, flushableModule, pinoLogger, pinoModule } from '../src/index.js';
import { leftovers, resourceBaseline } from './support.js';

describe('options', () => {
  it('names the offending field', () => {
    const stream = new PassThrough();
    expect(invalid(() => flushable({} as never)).issues.map((i) => i.field)).toEqual(['stream']);
    expect(invalid(() => flushable({ stream: { write() {} } })).issues).toEqual([{ field: 'stream', message: expect.stringMatching(/^expected a writable stream/) }]);
    expect(invalid(() => flushable({ stream, fsync: 'yes' as never })).issues.map((i) => i.field)).toEqual(['fsync']);
    expect(invalid(() => flushable({ stream, stopTimeoutMs: -1 })).message).toMatch(/^Invalid options for flushable: stopTimeoutMs: /);
    expect(invalid(() => flushable({ stream, flush: true } as never)).message).toContain('flush');
    expect(invalid(() => pinoLogger({ logger: {} })).issues).toEqual([{ field: 'logger', message: expect.stringMatching(/^expected a pino logger/) }]);
    expect(invalid(() => pinoLogger({ logger: pino(stream), stopsLast: 'no' as never })).issues.map((i) => i.field)).toEqual(['stopsLast']);
    expect(invalid(() => pinoModule({ logger: pino(stream), token: 1 as never })).issues.map((i) => i.field)).toEqual(['token']);
    expect(invalid(() => flushableModule({ stream, token: 1 as never })).issues.map((i) => i.field)).toEqual(['token']);
    expect(invalid(() => flushableModule({ stream: 7 as never, token: 'x' })).message).toMatch(/^Invalid options for flushableModule: stream: /);
  });

  it('a pino logger stops last with a reserve by default; a plain stream only where the graph puts it', () => {
    const stream = new PassThrough();
    const logger = pino(stream);
    expect(pinoLogger({ logger })).toMatchObject({ value: logger, stopsLast: true, reserveMs: DEFAULT_RESERVE_MS });
    expect(pinoLogger({ logger, stopsLast: false, reserveMs: 0 })).toMatchObject({ stopsLast: false, reserveMs: 0 });
    const plain = flushable({ stream, name: 'out' });
    expect(plain).toMatchObject({ value: stream, name: 'out' });
    expect(plain.stopsLast).toBeUndefined();
  });
});

describe('modules', () => {
  it("pinoModule binds the logger under 'logger' as node 'pino'; flushableModule under its token", async () => {
    const baseline = await resourceBaseline();
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const logger = pino(out);
    const AuditLog = Symbol('audit');
    const audit = new PassThrough();
    audit.resume();
    const app = new LifecycleContainer();
    app.load(pinoModule({ logger }), flushableModule({ token: AuditLog, stream: audit }));
    app.resource('api', { value: {}, stop: () => logger.info('api stopped') });
    await app.start();
    expect(app.get('logger')).toBe(logger);
    expect(app.get(AuditLog)).toBe(audit);
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('api')!.dependsOn).toEqual(['pino']);
    expect(report.node('audit')!.status).toBe('stopped');
    expect(out.writableFinished && audit.writableFinished).toBe(true);
    expect(Buffer.concat(chunks).toString()).toContain('"msg":"api stopped"');
    expect(await leftovers(baseline)).toEqual({});
  });

  // Issue #27: a module's token defaults to its node name (the token was required).
  it('flushableModule without a token binds the stream under its node name', () => {
    const named = new LifecycleContainer();
    const audit = new PassThrough();
    named.load(flushableModule({ stream: audit, name: 'audit' }));
    named.validate();
    expect(named.get('audit')).toBe(audit);
    const plain = new LifecycleContainer();
    const out = new PassThrough();
    plain.load(flushableModule({ stream: out }));
    plain.validate();
    expect(plain.get('flushable')).toBe(out);
    expect(plain.graph().nodes.map((n) => n.name)).toEqual(['flushable']);
  });
});
