import net from 'node:net';

/**
 * Sends `payload` and collects the reply until `isComplete` accepts it. Resolves
 * undefined on refusal, reset or timeout: a probe only answers "ready or not yet".
 */
export function exchange(
  port: number,
  host: string,
  payload: Buffer,
  isComplete: (reply: Buffer) => boolean,
  timeoutMs = 2_000,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    let reply = Buffer.alloc(0);
    const socket = net.connect({ host, port });
    const finish = (value: Buffer | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      if (isComplete(reply)) finish(reply);
    });
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(reply.length > 0 && isComplete(reply) ? reply : undefined));
  });
}

/** Redis answers PING with +PONG once it accepts commands (not while -LOADING). */
export async function probeRedis(port: number, host = '127.0.0.1'): Promise<boolean> {
  const reply = await exchange(port, host, Buffer.from('PING\r\n'), (r) => r.includes('\r\n'));
  return reply?.toString('latin1').startsWith('+PONG') ?? false;
}

export const AMQP_0_9_1_HEADER = Buffer.from('AMQP\x00\x00\x09\x01', 'latin1');

/**
 * A RabbitMQ that has bound its port is not necessarily ready; it is when it
 * answers the protocol header with a Connection.Start method frame
 * (frame type 1, channel 0, class 10, method 10).
 */
export async function probeAmqp(port: number, host = '127.0.0.1'): Promise<boolean> {
  const reply = await exchange(port, host, AMQP_0_9_1_HEADER, (r) => r.length >= 11);
  return reply !== undefined && reply[0] === 1 && reply.readUInt16BE(1) === 0
    && reply.readUInt16BE(7) === 10 && reply.readUInt16BE(9) === 10;
}

/**
 * What pg_isready does, without spawning it: send a StartupMessage and look at the
 * first reply byte. 'R' (an authentication request) means the server accepts
 * connections; 'E' means it is still starting or shutting down.
 */
export async function probePostgres(port: number, host = '127.0.0.1', user = 'postgres'): Promise<boolean> {
  const params = Buffer.from(`user\0${user}\0database\0postgres\0\0`, 'utf8');
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(196608, 4); // protocol 3.0
  const reply = await exchange(port, host, Buffer.concat([header, params]), (r) => r.length >= 1);
  return reply?.[0] === 0x52; // 'R'
}

/**
 * A MariaDB/MySQL server greets every connection first: a handshake packet whose first payload
 * byte is the protocol version (10). An error packet (0xff) means it is not accepting yet.
 */
export async function probeMariaDB(port: number, host = '127.0.0.1'): Promise<boolean> {
  const reply = await exchange(port, host, Buffer.alloc(0), (r) => r.length >= 5);
  return reply?.[4] === 10;
}

/** nats-server sends `INFO {...}` to every client as soon as it accepts connections. */
export async function probeNats(port: number, host = '127.0.0.1'): Promise<boolean> {
  const reply = await exchange(port, host, Buffer.alloc(0), (r) => r.includes('\r\n'));
  return reply?.toString('latin1').startsWith('INFO ') ?? false;
}
