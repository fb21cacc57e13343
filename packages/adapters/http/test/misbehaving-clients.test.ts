import http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { fixture, get, lifecycleHarness, rawClient, timed, waitFor, within } from './helpers.js';

const slow = (_req: http.IncomingMessage, res: http.ServerResponse): void => void setTimeout(() => res.end('done'), 300);

// Each case: stopTimeoutMs 5 s; the default header grace (500 ms) must end the stop long before.
describe('one misbehaving client never holds the stop', () => {
  const { started } = lifecycleHarness();

  it('https: a TCP connection that never starts its TLS handshake is closed after the header grace', async () => {
    const server = https.createServer({ key: fixture('key.pem'), cert: fixture('cert.pem') }, slow);
    const { app, port } = await started(server, { stopTimeoutMs: 5_000 });
    const silent = await rawClient(port);
    await waitFor(() => (server as unknown as { _connections: number })._connections === 1);

    const [report, ms] = await timed(() => app.shutdown());
    expect(report.node('http')?.status).toBe('stopped');
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(2_500);
    await within(silent.closed, 500, 'half-open TLS connection closed');
  });

  it('https: a handshake stalled after a partial ClientHello is closed after the header grace', async () => {
    const server = https.createServer({ key: fixture('key.pem'), cert: fixture('cert.pem') }, slow);
    const { app, port } = await started(server, { stopTimeoutMs: 5_000 });
    const stalled = await rawClient(port);
    stalled.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); // a record header announcing 512 bytes, then silence
    await waitFor(() => (server as unknown as { _connections: number })._connections === 1);

    const [report, ms] = await timed(() => app.shutdown());
    expect(report.node('http')?.status).toBe('stopped');
    expect(ms).toBeLessThan(2_500);
    await within(stalled.closed, 500, 'stalled TLS connection closed');
  });

  it('slowloris: half a request header block is closed after the header grace while a real request in flight finishes', async () => {
    const server = http.createServer(slow);
    const { app, port, inFlight } = await started(server, { stopTimeoutMs: 5_000 });
    const loris = await rawClient(port);
    loris.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const real = get(port, '/real');
    await waitFor(() => inFlight.active === 1);

    const [report, ms] = await timed(() => app.shutdown());
    expect((await real).body).toBe('done');
    expect(report.node('http')?.status).toBe('stopped');
    expect(ms).toBeLessThan(2_500);
    await within(loris.closed, 500, 'slowloris socket closed');
    expect(loris.data()).toBe(''); // never answered: it never finished a request
  });

  it('a client trickling header bytes during the grace is still closed when the grace ends', async () => {
    const server = http.createServer(slow);
    const { app, port } = await started(server, { stopTimeoutMs: 5_000, headerGraceMs: 200 });
    const loris = await rawClient(port);
    loris.socket.write('GET / HTTP/1.1\r\n');
    await waitFor(() => (server as unknown as { _connections: number })._connections === 1);
    const trickle = setInterval(() => loris.socket.writable && loris.socket.write('X-A: b\r\n'), 50);

    const [report, ms] = await timed(() => app.shutdown());
    clearInterval(trickle);
    expect(report.node('http')?.status).toBe('stopped');
    expect(ms).toBeGreaterThanOrEqual(180);
    expect(ms).toBeLessThan(1_500);
    await within(loris.closed, 500, 'trickling socket closed');
  });
});

