import { ConnectionsLostError, ForceClosedError } from '@quiesce/core/kit';
import { describe, expect, it } from 'vitest';
import { NatsConnectionLostError, NatsForceClosedError } from '../src/index.js';

// Issue #27: the nats errors are the kit's, so code that handles every adapter's force path or
// loss alike (`instanceof ForceClosedError`) sees nats too, with the node on `error.node`.
describe('nats errors on the kit bases', () => {
  it('NatsForceClosedError is a ForceClosedError naming the node first', () => {
    const error = new NatsForceClosedError('bus');
    expect(error).toBeInstanceOf(ForceClosedError);
    expect(error).toMatchObject({ node: 'bus', code: 'QUIESCE_NATS_FORCE_CLOSED', connections: 1, killed: 0 });
    expect(error.message).toMatch(/^bus: nats connection stop did not finish before its force reserve; 1 connection force-closed; /);
  });

  it('NatsConnectionLostError is a ConnectionsLostError naming the node first', () => {
    const error = new NatsConnectionLostError('bus', new Error('CONNECTION_REFUSED'));
    expect(error).toBeInstanceOf(ConnectionsLostError);
    expect(error).toMatchObject({ node: 'bus', lost: 1 });
    expect(error.message).toMatch(/^bus: nats connection: 1 connection was lost during shutdown/);
  });
});
