import { Server as NetServer, Socket } from 'node:net';
import { originOf, trackedUnlisted, type HandleOrigin } from './handle-origins.js';

/** Something still holding the event loop, as Node names it, with what can be learned of its origin. */
export interface LingeringHandle {
  /** Node's own type name, as `process.getActiveResourcesInfo()` gives it (`TCPSocketWrap`, `Timeout`, `FSReqCallback`, `Worker` …). */
  readonly type: string;
  /** Address and port, pid, interval, file descriptor: whatever the handle tells. */
  readonly detail?: string;
  /** The node that created it, when quiesce could attribute it (see HandleOrigins). */
  readonly node?: string;
  readonly phase?: 'start' | 'stop';
  /** Where it was created: the first stack frame outside Node and quiesce. */
  readonly createdAt?: string;
  /** How many identical ones. */
  readonly count: number;
}

type Described = Omit<LingeringHandle, 'count'>;

// Node's private lists, the only place the holding objects themselves can be had; present on
// every supported line (20, 22, 24). Guarded: a future Node without them still gets the types.
interface ProcessInternals {
  _getActiveHandles?: () => unknown[];
  _getActiveRequests?: () => unknown[];
}

/**
 * What holds the event loop right now (ref'd handles and pending requests), each named by Node's
 * type and, where known, its address and the node that created it. Types Node counts but whose
 * objects cannot be reached (a timer nobody tracked) appear once per kind with their count.
 */
export function lingeringHandles(): LingeringHandle[] {
  const described: Described[] = [];
  const internals = process as unknown as ProcessInternals;
  // stdout and stderr never keep a process from exiting, but Node counts their pipes or TTYs among
  // the active resources: left out of the unexplained count too.
  const quiet: Described[] = [];
  for (const handle of internals._getActiveHandles?.() ?? []) {
    // By fd, not `=== process.stdout`: that getter creates the stream (one more handle) when the
    // program never wrote to it.
    if (handle instanceof Socket && (fdOf(handle) === 1 || fdOf(handle) === 2)) {
      quiet.push({ type: socketType(nativeName(handle)) });
      continue;
    }
    const item = describeHandle(handle);
    if (item) described.push(item);
  }
  for (const request of internals._getActiveRequests?.() ?? []) described.push(describeRequest(request));
  for (const resource of trackedUnlisted()) {
    const item = describeUnlisted(resource);
    if (item) described.push(item);
  }
  return group([...described, ...unexplained([...described, ...quiet])]);
}

/** One line for a log: `TCPSocketWrap 127.0.0.1:5000 → 127.0.0.1:6379 (created by queue during start at x.js:3:9)`. */
export function formatLingering(handles: readonly LingeringHandle[]): string {
  if (handles.length === 0) return 'nothing Node reports (an unref\'d handle or a native addon)';
  return handles
    .map((h) => {
      const origin = h.node === undefined ? '' : ` (created by ${h.node} during ${h.phase}${h.createdAt ? ` at ${h.createdAt}` : ''})`;
      return `${h.count > 1 ? `${h.count} × ` : ''}${h.type}${h.detail ? ` ${h.detail}` : ''}${origin}`;
    })
    .join('; ');
}

function describeHandle(handle: unknown): Described | undefined {
  if (typeof handle !== 'object' || handle === null) return undefined;
  const wrapped = (handle as { _handle?: { hasRef?: () => boolean; constructor?: { name?: string } } })._handle;
  // Only what keeps the loop alive: an unref'd socket or server does not hold the process.
  if (wrapped && typeof wrapped.hasRef === 'function' && !wrapped.hasRef()) return undefined;
  const origin = withOrigin(originOf(handle) ?? originOf(wrapped));
  const native = wrapped?.constructor?.name ?? handle.constructor?.name ?? 'handle';
  if (handle instanceof NetServer) {
    const address = handle.address();
    const where = typeof address === 'string' ? address : address ? `${address.address}:${address.port}` : 'not bound';
    return { type: native === 'Pipe' ? 'PipeServerWrap' : 'TCPServerWrap', detail: `listening on ${where}`, ...origin };
  }
  if (handle instanceof Socket) return { type: socketType(native), detail: socketDetail(handle, native), ...origin };
  const child = handle as { pid?: number; spawnfile?: string };
  if (native === 'Process') return { type: 'ProcessWrap', detail: `child process ${child.pid ?? '?'} (${child.spawnfile ?? '?'})`, ...origin };
  return { type: `${native}Wrap`, ...origin };
}

function fdOf(socket: Socket): number | undefined {
  return (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
}

function nativeName(socket: Socket): string {
  return (socket as unknown as { _handle?: { constructor?: { name?: string } } })._handle?.constructor?.name ?? 'Socket';
}

function socketType(native: string): string {
  if (native === 'Pipe') return 'PipeWrap';
  if (native === 'TTY') return 'TTYWrap';
  return 'TCPSocketWrap';
}

function socketDetail(socket: Socket, native: string): string {
  const fd = fdOf(socket);
  if (fd === 0) return 'process.stdin (being read)';
  if (native === 'Pipe' || native === 'TTY') return fd !== undefined && fd >= 0 ? `fd ${fd}` : 'pipe';
  if (socket.remoteAddress !== undefined) return `${socket.localAddress}:${socket.localPort} → ${socket.remoteAddress}:${socket.remotePort}`;
  return socket.connecting ? 'connecting' : 'not connected';
}

function describeRequest(request: unknown): Described {
  const type = (request as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'request';
  const host = (request as { hostname?: unknown }).hostname;
  return { type, ...(typeof host === 'string' ? { detail: `looking up ${host}` } : {}), ...withOrigin(originOf(request as object)) };
}

/** A tracked timer or worker thread, if it still holds the loop. */
function describeUnlisted(resource: object): Described | undefined {
  const origin = originOf(resource);
  const ref = resource as { hasRef?: () => boolean; _destroyed?: boolean; _idleTimeout?: number; _repeat?: unknown; onexit?: unknown };
  if (typeof ref.hasRef === 'function' && !ref.hasRef()) return undefined;
  if (origin?.asyncType === 'Timeout') {
    if (ref._destroyed) return undefined;
    const every = typeof ref._idleTimeout === 'number' && ref._idleTimeout >= 0 ? ` ${ref._idleTimeout} ms` : '';
    return { type: 'Timeout', detail: ref._repeat ? `interval${every}` : `timer${every}`, ...withOrigin(origin) };
  }
  // A worker's handle drops its exit callback once the thread has exited.
  if (origin?.asyncType === 'WORKER') return typeof ref.onexit === 'function' ? { type: 'Worker', detail: 'worker thread', ...withOrigin(origin) } : undefined;
  return undefined;
}

/** What Node counts beyond what could be described object by object: by type, origin unknown. */
function unexplained(described: readonly Described[]): Described[] {
  const seen = new Map<string, number>();
  for (const d of described) seen.set(d.type, (seen.get(d.type) ?? 0) + 1);
  const extra: Described[] = [];
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  for (const [type, n] of counts) {
    for (let k = seen.get(type) ?? 0; k < n; k++) extra.push({ type, detail: 'origin unknown' });
  }
  return extra;
}

function withOrigin(origin: HandleOrigin | undefined): Partial<Described> {
  if (origin === undefined) return {};
  return { node: origin.node, phase: origin.phase, ...(origin.createdAt ? { createdAt: origin.createdAt } : {}) };
}

function group(items: readonly Described[]): LingeringHandle[] {
  const byKey = new Map<string, LingeringHandle>();
  for (const item of items) {
    const key = JSON.stringify([item.type, item.detail, item.node, item.phase, item.createdAt]);
    const prior = byKey.get(key);
    byKey.set(key, prior ? { ...prior, count: prior.count + 1 } : { ...item, count: 1 });
  }
  return [...byKey.values()];
}
