import type { Server, Socket } from 'node:net';
import tls from 'node:tls';

/** How long closeBetweenAccepts waits for a quiet event-loop pass before it closes anyway. */
export const QUIET_PASS_LIMIT_MS = 100;
/** A pass longer than this (the process was descheduled, or other work ran) is not trusted as quiet: its window was wide. */
export const QUIET_PASS_MAX_MS = 1;

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Closes the listening socket at a moment its accept queue is empty, as near as JavaScript can
 * tell: right after an event-loop pass in which the listener accepted nothing.
 *
 * On Linux, close() of a listening socket resets every connection in its accept queue: the kernel
 * completed their handshakes without the process, so each client's connect() succeeded and its
 * request is usually sent; it sees ECONNRESET and cannot tell whether it was served
 * (test/node-behaviour.test.ts). libuv accepts in a loop until EAGAIN, but only when the event loop
 * polls, so `server.close()` from a busy loop finds the queue as full as the traffic since the last
 * poll made it. Here a pending setImmediate makes every poll non-blocking, so passes follow each
 * other closely (30–100 µs each under load, measured); once one passes with no 'connection' and in
 * under QUIET_PASS_MAX_MS, the queue was empty when the kernel was last asked, and the listener
 * closes before the next poll (the deciding pass took 7–20 µs, measured). What is left cannot be
 * avoided with close(): a handshake completing during that last pass, or, off loopback, one still
 * half-open (its SYN arrived less than a round trip before), is reset. So is one this process
 * opens itself in that pass (a client in the same process reacting to a response or GOAWAY).
 *
 * Meanwhile every connection accepted is parked: not read (`pauseOnConnect`) and its 'connection'
 * event held back (so no HTTP, TLS or HTTP/2 setup runs in the passes, and a client with a bounded
 * number of connections stops opening new ones), then emitted once the listener is closed. `hold`:
 * sockets that stop reading meanwhile as well (plain TCP ones; resumed after).
 *
 * Resolves once the listening handle is closed (its connections may still be open).
 */
export function closeBetweenAccepts(server: Server, hold: Iterable<Socket> = [], limitMs = QUIET_PASS_LIMIT_MS): Promise<void> {
  if (!server.listening) return Promise.resolve();
  // The `pauseOnConnect` constructor option, read by net.Server at each accept (not in @types/node).
  const pausing = server as Server & { pauseOnConnect: boolean };
  const wasPaused = pausing.pauseOnConnect;
  pausing.pauseOnConnect = true;
  const held: Socket[] = [];
  for (const socket of hold) if (!socket.destroyed && !socket.isPaused()) held.push(socket.pause());
  const parked: Socket[] = [];
  let accepted = 0;
  const emit = server.emit as Emit;
  let parking = true;
  const parkingEmit: Emit = function (this: Server, event, ...args) {
    if (parking && event === 'connection') return parked.push(args[0] as Socket), accepted++, true;
    return emit.call(this, event, ...args);
  };
  server.emit = parkingEmit as typeof server.emit;
  const began = performance.now();
  let passes = 0;
  let last = began;
  return new Promise((resolve) => {
    const pass = (): void => {
      const now = performance.now();
      // The first pass only starts the count: the listener may have been served earlier in the
      // pass this was called from, and what arrived after that is not known. A quiet pass is short
      // too: what completes between its poll and the close below is reset.
      const quiet = passes++ > 0 && accepted === 0 && now - last <= QUIET_PASS_MAX_MS;
      last = now;
      if (!quiet && server.listening && now - began < limitMs) {
        accepted = 0;
        setImmediate(pass);
        return;
      }
      if (server.listening) server.close();
      parking = false;
      if (server.emit === parkingEmit) server.emit = emit as typeof server.emit;
      pausing.pauseOnConnect = wasPaused;
      // TLS (https, secure HTTP/2) reads the TCP socket on its own; plain HTTP waits for resume().
      const resume = !(server instanceof tls.Server);
      for (const socket of parked) {
        if (socket.destroyed) continue;
        emit.call(server, 'connection', socket);
        if (resume && !socket.destroyed) socket.resume();
      }
      for (const socket of held) if (!socket.destroyed) socket.resume();
      resolve();
    };
    setImmediate(pass);
  });
}
