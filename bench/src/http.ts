import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { httpContestants, type HttpContestant } from './http-contestants.js';
import { median } from './timing.js';

/** One contestant at one socket count: medians over the runs, resets summed over them. */
export interface HttpRow {
  contestant: string;
  sockets: number;
  stopMs: number;
  lastSocketMs: number;
  resets: number;
}

const IN_FLIGHT = 50;
const WORK_MS = 200;
const BOUND_MS = 15_000; // no wait of the bench outlives this, whatever a contestant does
const clientsScript = fileURLToPath(new URL('./http-clients.js', import.meta.url));

/** The next message from the clients process (bounded). */
function reply<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`http bench: clients silent for ${BOUND_MS} ms`)), BOUND_MS);
    child.once('message', (m) => {
      clearTimeout(timer);
      if (typeof m === 'object' && m !== null && 'error' in m) reject(new Error(`http bench clients: ${String(m.error)}`));
      else resolve(m as T);
    });
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  const limit = performance.now() + BOUND_MS;
  while (!check()) {
    if (performance.now() > limit) throw new Error(`http bench: ${what} not within ${BOUND_MS} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** N idle keep-alive sockets plus 50 requests 200 ms from done; the contestant stops the server. */
async function once(contestant: HttpContestant, sockets: number): Promise<Omit<HttpRow, 'contestant' | 'sockets'>> {
  let working = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/slow') return void res.end('ok');
    working++;
    setTimeout(() => res.end('slow'), WORK_MS);
  });
  server.keepAliveTimeout = 5_000; // Node's default, stated: what the plain close() baseline waits for
  const open = new Set<net.Socket>();
  let lastClosedAt = 0;
  server.on('connection', (socket: net.Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      lastClosedAt = performance.now();
    });
  });
  const { port, stop } = await contestant.listen(server);
  const child = fork(clientsScript, { stdio: 'inherit' });
  try {
    const ready = reply(child);
    child.send({ port, sockets, inFlight: IN_FLIGHT });
    await ready;
    await until(() => working === IN_FLIGHT, 'requests in flight');

    const began = performance.now();
    await stop();
    const stopMs = performance.now() - began;
    await until(() => open.size === 0, 'last socket closed');
    const counted = reply<{ resets: number; open: number }>(child);
    child.send('count');
    const { resets, open: left } = await counted;
    if (left > 0) throw new Error(`http bench: ${contestant.name} left ${left} client sockets open`);
    return { stopMs: round(stopMs), lastSocketMs: round(lastClosedAt - began), resets };
  } finally {
    child.kill();
    server.closeAllConnections();
    if (server.listening) server.close();
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Every contestant at every socket count, `runs` rounds in turn (interleaved: same machine state); medians. */
export async function httpStop(counts: readonly number[], runs = 5): Promise<HttpRow[]> {
  for (const contestant of httpContestants) if (!contestant.once) await once(contestant, 100); // warm-up, not recorded
  const rows: HttpRow[] = [];
  for (const sockets of counts) {
    const samples = httpContestants.map(() => [] as Array<Omit<HttpRow, 'contestant' | 'sockets'>>);
    for (let k = 0; k < runs; k++) {
      for (const [i, contestant] of httpContestants.entries()) if (k === 0 || !contestant.once) samples[i]!.push(await once(contestant, sockets));
    }
    httpContestants.forEach((contestant, i) =>
      rows.push({
        contestant: contestant.name,
        sockets,
        stopMs: median(samples[i]!.map((s) => s.stopMs)),
        lastSocketMs: median(samples[i]!.map((s) => s.lastSocketMs)),
        resets: samples[i]!.reduce((sum, s) => sum + s.resets, 0),
      }),
    );
  }
  return rows;
}
