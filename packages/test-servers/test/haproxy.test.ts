import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isAlive, isPortOpen, processTree, startHaproxy } from '../src/index.js';

/** A backend that names itself in every answer and whose /readyz can be switched to 503. */
async function backend(name: string): Promise<{ port: number; ready: { value: boolean }; close(): Promise<void> }> {
  const ready = { value: true };
  const server = http.createServer((req, res) => {
    if (req.url === '/readyz') res.writeHead(ready.value ? 200 : 503).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    ready,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function get(port: number): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return { status: res.status, body: await res.text() };
}

describe('startHaproxy', () => {
  it('routes only to backends whose /readyz answers 200 and re-points a backend through the runtime API', async () => {
    const a = await backend('a');
    const b = await backend('b');
    const proxy = await startHaproxy({ backends: [a.port], checkIntervalMs: 100 });
    const tree = processTree(proxy.pid!);
    try {
      await proxy.waitUntilUp('s1', a.port, 5_000);
      expect(await get(proxy.port)).toEqual({ status: 200, body: 'a' });

      // Not ready: HAProxy marks it DOWN after `fall` checks and answers 503 itself (no backend left).
      a.ready.value = false;
      const deadline = performance.now() + 5_000;
      while ((await proxy.backends())[0]!.status === 'UP' && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await proxy.backends()).toEqual([{ name: 's1', port: a.port, status: 'DOWN' }]);
      expect((await get(proxy.port)).status).toBe(503);

      await proxy.setBackend('s1', b.port);
      await proxy.waitUntilUp('s1', b.port, 5_000);
      expect(await get(proxy.port)).toEqual({ status: 200, body: 'b' });
      await expect(proxy.setBackend('s9', b.port)).rejects.toThrow(/s9/);
    } finally {
      await proxy.stop();
      await a.close();
      await b.close();
    }
    expect(await isPortOpen(proxy.port)).toBe(false);
    expect(tree.filter((id) => isAlive(id))).toEqual([]);
  });

  it('refuses backends it could not write into a config, naming the field', async () => {
    await expect(startHaproxy({ backends: [] })).rejects.toThrow(/backends: expected at least one port/);
    await expect(startHaproxy({ backends: [80, 70_000] })).rejects.toThrow(/backends: expected ports/);
    await expect(startHaproxy({ backends: [80], retries: -1 })).rejects.toThrow(/retries: expected a whole number/);
  });

  // A backend whose listener closed before any check noticed (checks 60 s apart): what the clients
  // see is the balancer's retry policy. kube-proxy's is none, the default here.
  for (const retries of [0, 2]) {
    it(`retries ${retries}: a closed backend not yet marked DOWN ${retries === 0 ? 'fails the requests routed to it' : 'is hidden: every request is redispatched'}`, async () => {
      const a = await backend('a');
      const b = await backend('b');
      const proxy = await startHaproxy({ backends: [a.port, b.port], checkIntervalMs: 60_000, retries });
      try {
        await proxy.waitUntilUp('s1', a.port, 5_000);
        await proxy.waitUntilUp('s2', b.port, 5_000);
        await a.close();
        const answers = [];
        for (let i = 0; i < 6; i++) answers.push(await get(proxy.port));
        const failed = answers.filter((r) => r.status !== 200);
        if (retries === 0) {
          // Round robin sends about half to the closed one; HAProxy answers those 503 itself.
          expect(failed.length).toBeGreaterThanOrEqual(2);
          expect(failed.every((r) => r.status === 503)).toBe(true);
        } else {
          expect(answers).toEqual(Array.from({ length: 6 }, () => ({ status: 200, body: 'b' })));
        }
      } finally {
        await proxy.stop();
        await b.close();
      }
    });
  }
});
