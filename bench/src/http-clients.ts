import net from 'node:net';

/**
 * The HTTP bench's clients, in their own process so that their socket work does not run on the
 * event loop of the server being timed (a real server's clients are elsewhere too). Driven over
 * IPC: `{ port, sockets, inFlight }` → opens `sockets` keep-alive connections that each made one
 * request and stay idle, then `inFlight` requests to /slow → 'ready'; 'count' → once every socket
 * closed, `{ resets }`: sockets that errored plus /slow requests not answered whole.
 */

const CONNECT_BATCH = 250; // stays under the listen backlog (511)
const BOUND_MS = 15_000;

interface Client {
  socket: net.Socket;
  /** True once a whole response arrived, false if the socket failed or closed first. */
  answered: Promise<boolean>;
  errored: boolean;
}

function request(port: number, path: string, body: string): Client {
  const socket = net.connect(port, '127.0.0.1');
  const client: Client = { socket, answered: Promise.resolve(false), errored: false };
  let data = '';
  client.answered = new Promise((resolve) => {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\r\n\r\n') && data.endsWith(body)) resolve(true);
    });
    socket.on('error', () => {
      client.errored = true;
      resolve(false);
    });
    socket.on('close', () => resolve(false));
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  return client;
}

const clients: Client[] = [];
let busy: Client[] = [];
const send = (message: unknown): void => void process.send!(message);
// When the parent goes (or is done), nothing is left to keep this process alive.
process.on('disconnect', () => clients.forEach((c) => c.socket.destroy()));

process.on('message', async (message: { port: number; sockets: number; inFlight: number } | 'count') => {
  if (message === 'count') {
    const until = Date.now() + BOUND_MS;
    while (clients.some((c) => !c.socket.destroyed) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    const answered = await Promise.all(busy.map((c) => c.answered));
    send({ resets: clients.filter((c) => c.errored).length + answered.filter((a) => !a).length, open: clients.filter((c) => !c.socket.destroyed).length });
    process.disconnect();
    return;
  }
  const { port, sockets, inFlight } = message;
  for (let i = 0; i < sockets; i += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, sockets - i) }, () => request(port, '/', 'ok'));
    clients.push(...batch);
    if (!(await Promise.all(batch.map((c) => c.answered))).every(Boolean)) return send({ error: 'an idle socket was not answered' });
  }
  busy = Array.from({ length: inFlight }, () => request(port, '/slow', 'slow'));
  clients.push(...busy);
  send('ready');
});
