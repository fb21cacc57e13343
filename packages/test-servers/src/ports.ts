import net from 'node:net';

// Ports handed out recently by this process: the OS may return the same
// ephemeral port twice in a row once the probe socket is closed, and RabbitMQ
// needs three distinct ports at once.
const recentlyHandedOut = new Set<number>();

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function getFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnRandomPort();
    if (!recentlyHandedOut.has(port)) {
      recentlyHandedOut.add(port);
      if (recentlyHandedOut.size > 256) recentlyHandedOut.delete(recentlyHandedOut.values().next().value!);
      return port;
    }
  }
  throw new Error('[test-servers] could not find a free TCP port on 127.0.0.1');
}

function listenOnRandomPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
