import { readFile } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conformance, type ConformanceSubject } from '../src/conformance.js';
import { activeHandles, leftoverHandles } from '../src/handles.js';

/** A subject that is never run: only its declaration is checked (at the conformance() call). */
const subject = (extra: Partial<ConformanceSubject<unknown>>): ConformanceSubject<unknown> => ({
  adapter: 'declared',
  node: 'n',
  startServer: () => Promise.reject(new Error('not started')),
  startApp: () => Promise.reject(new Error('not started')),
  work: () => Promise.resolve(),
  completed: () => true,
  hang: () => Promise.resolve(),
  tryNew: () => Promise.resolve(),
  badOptions: [],
  ...extra,
});

describe('conformance: what a subject declares', () => {
  it('a case declared not applicable needs a reason, a known name, and tryNew unless refusesNew is not applicable', () => {
    expect(() => conformance(subject({ notApplicable: { force: ' ' } }))).toThrow(/case force declared not applicable without a reason/);
    expect(() => conformance(subject({ notApplicable: { forced: 'x' } as never }))).toThrow(/no case named forced/);
    expect(() => conformance(subject({ tryNew: undefined }))).toThrow(/give tryNew, or declare refusesNew not applicable/);
    expect(() => conformance(subject({ notApplicable: { inFlight: 'x' } }))).toThrow(/refusesNew is checked within inFlight/);
  });

  it('handleKinds: a kind beyond sockets and timers is compared only when named', async () => {
    const before = activeHandles(['FSReqCallback']);
    const done = new Promise((resolve) => readFile(new URL(import.meta.url), resolve)); // one FSReqCallback in flight
    expect(await leftoverHandles(before, 0, ['FSReqCallback'])).toEqual({ FSReqCallback: 1 });
    expect(await leftoverHandles(activeHandles(), 0)).toEqual({});
    await done;
    expect(await leftoverHandles(before, 500, ['FSReqCallback'])).toEqual({});
  });
});
