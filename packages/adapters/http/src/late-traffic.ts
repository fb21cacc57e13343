import type { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http2';
import { LateArrivals } from '@quiesce/core/kit';
import type { ProbeRouter } from './probes.js';
import { isHttp2Server, type HttpServerLike } from './server-kinds.js';

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Counts every request the server receives after the shutdown request (HTTP/1 'request', HTTP/2
 * 'stream'), probes aside (a balancer's health checks and kubelet's probes keep coming, whether
 * the drain is long enough or not), served or refused 503 alike: a refused one is the clearest
 * sign the drain was too short. Requests, not connections: a TCP health check opens connections
 * that carry none. Wraps `emit` last, so it sees what the tracker answers without passing on.
 */
export function countLateRequests(server: HttpServerLike, probe: ProbeRouter | undefined): LateArrivals {
  const arrivals = new LateArrivals('request', 'requests');
  const event = isHttp2Server(server) ? 'stream' : 'request';
  const emit = server.emit as Emit;
  const isProbe = (a: unknown, b: unknown): boolean => {
    if (!probe) return false;
    if (event === 'request') return probe(a as IncomingMessage) !== undefined;
    const headers = b as IncomingHttpHeaders | undefined;
    return probe({ url: headers?.[':path'] ?? '' } as IncomingMessage) !== undefined;
  };
  // On every request of the server's life: fixed arity (no rest array, no spread), and nothing
  // but one check before the shutdown request (request-path bench, docs/PERFORMANCE.md §7).
  server.emit = function (this: HttpServerLike, name: string | symbol, a?: unknown, b?: unknown): boolean {
    if (name === event && arrivals.counting && !isProbe(a, b)) arrivals.arrived();
    // Exactly what it was given: an HTTP/1 'request' has two arguments, an HTTP/2 'stream' four.
    return arguments.length === 3 ? emit.call(this, name, a, b) : emit.apply(this, arguments as never);
  } as typeof server.emit;
  return arrivals;
}

