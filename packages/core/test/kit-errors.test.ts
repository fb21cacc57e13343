import { describe, expect, it } from 'vitest';
import { AdapterMisuseError, describeValue, ForceClosedError } from '../src/kit/main.js';

// The kit's error bases word every adapter's message: node first, then the parts each adapter gives.
class FakeForceClosed extends ForceClosedError {
  override readonly code = 'QUIESCE_FAKE_FORCE_CLOSED';
}
class FakeMisuse extends AdapterMisuseError {
  override readonly code = 'QUIESCE_FAKE_MISUSE';
}

describe('kit errors', () => {
  it('ForceClosedError without server-side work says nothing of it, and appends what the cut cost', () => {
    const error = new FakeForceClosed('bus', 'nats connection', 1, 0, undefined, 'publishes not yet flushed may be lost');
    expect(error.message).toBe('bus: nats connection stop did not finish before its force reserve; 1 connection force-closed; publishes not yet flushed may be lost');
    expect(error).toMatchObject({ node: 'bus', what: 'nats connection', connections: 1, killed: 0 });
  });

  it('ForceClosedError with server-side work counts it (the SQL pools)', () => {
    const error = new FakeForceClosed('db', 'pg pool', 2, 1, ['backend', 'backends', 'terminated']);
    expect(error.message).toBe('db: pg pool stop did not finish before its force reserve; 2 connections force-closed (1 backend terminated server-side)');
  });

  it('AdapterMisuseError is built from node, what and fix, each kept on the error', () => {
    const error = new FakeMisuse('api', 'the server is already listening on 127.0.0.1:8080', 'pass it unstarted, quiesce calls listen()');
    expect(error.message).toBe('api: the server is already listening on 127.0.0.1:8080; pass it unstarted, quiesce calls listen()');
    expect(error).toMatchObject({ node: 'api', what: 'the server is already listening on 127.0.0.1:8080', fix: 'pass it unstarted, quiesce calls listen()' });
  });

  it('describeValue names a value by its class, never by its content', () => {
    expect([describeValue(null), describeValue(undefined), describeValue(3), describeValue({ password: 'x' }), describeValue(new Map())]).toEqual(['null', 'undefined', 'a number', 'a plain object', 'a Map']);
  });
});
