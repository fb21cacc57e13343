import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';

/**
 * Which node created a handle (a socket, a server, a timer, a worker thread …), so a process that
 * is still held after its report can say "TCPSocketWrap to 127.0.0.1:6379, created by queue during
 * stop" instead of a bare type. Attribution follows the async context: a node's hook runs inside
 * `HandleOrigins.run(node, phase, …)` and every handle created in it — or in anything it schedules
 * while tracking is on — is remembered (weakly: a closed handle is forgotten with its object).
 *
 * Why only while hooks run (mode `phases`, the default): an async hook with `init` turns on Node's
 * promise hooks for the whole process, a cost a service must not pay between deploys. Start and
 * stop are where adapters open and close what they own; a connection a pool opens later, for a
 * request, is named by its address instead. Mode `always` keeps the hook on (tests, debugging).
 */
export type HandleOriginsMode = 'phases' | 'always' | 'off';

export interface HandleOrigin {
  /** The node whose hook (or what it scheduled) created the handle. */
  readonly node: string;
  readonly phase: 'start' | 'stop';
  /** The async resource type Node gave it (`TCPWRAP`, `Timeout`, `WORKER` …). */
  readonly asyncType: string;
  /** The first stack frame outside Node and quiesce: where in user or driver code it was made. */
  readonly createdAt?: string;
}

interface Context {
  readonly node: string;
  readonly phase: 'start' | 'stop';
}

// The async resource types that can hold the event loop (promises, ticks and microtasks cannot).
const HOLDING_TYPES = new Set([
  'TCPWRAP',
  'TCPSERVERWRAP',
  'TCPCONNECTWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  'PIPECONNECTWRAP',
  'TTYWRAP',
  'UDPWRAP',
  'PROCESSWRAP',
  'TLSWRAP',
  'Timeout',
  'Immediate',
  'WORKER',
  'MESSAGEPORT',
  'FSREQCALLBACK',
  'FSEVENTWRAP',
  'STATWATCHER',
  'GETADDRINFOREQWRAP',
  'SIGNALWRAP',
  'WRITEWRAP',
  'SHUTDOWNWRAP',
  'HTTP2SESSION',
]);

/** Timers and worker threads appear in no list of objects Node offers: kept here, weakly, to be found again. */
const UNLISTED_TYPES = new Set(['Timeout', 'WORKER']);
/** Enough for every timer and thread a service's nodes create while they start and stop. */
const MAX_UNLISTED = 10_000;

const context = new AsyncLocalStorage<Context>();
const origins = new WeakMap<object, HandleOrigin>();
const unlisted = new Set<WeakRef<object>>();
let hook: AsyncHook | undefined;
let enabledBy = 0;

function record(_id: number, type: string, _trigger: number, resource: object): void {
  if (!HOLDING_TYPES.has(type)) return;
  const owner = context.getStore();
  if (owner === undefined) return;
  origins.set(resource, { node: owner.node, phase: owner.phase, asyncType: type, createdAt: callerFrame() });
  if (UNLISTED_TYPES.has(type)) remember(resource);
}

function remember(resource: object): void {
  if (unlisted.size >= MAX_UNLISTED) for (const ref of unlisted) if (ref.deref() === undefined) unlisted.delete(ref);
  if (unlisted.size < MAX_UNLISTED) unlisted.add(new WeakRef(resource));
}

/** Where the handle was made: the first frame that is neither Node's nor this package's. */
function callerFrame(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 24;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, record);
  Error.stackTraceLimit = limit;
  for (const line of (holder.stack ?? '').split('\n').slice(1)) {
    const frame = line.trim().replace(/^at\s+/, '');
    if (frame.includes('node:') || frame.includes('/@quiesce/core/') || frame.includes('/packages/core/src/') || frame.includes('/packages/core/dist/')) continue;
    return frame;
  }
  return undefined;
}

/** Turns tracking on for one more user (a phase running, or a container in mode `always`). */
function enable(): void {
  if (enabledBy++ === 0) (hook ??= createHook({ init: record })).enable();
}

function disable(): void {
  if (enabledBy > 0 && --enabledBy === 0) {
    hook?.disable();
    // The stores a phase left on what it created (a server's handle, a pool's sockets) would
    // otherwise be copied onto every async resource made from them for the life of the process —
    // each request's, on the request path (Node 20/22 propagate with a process-wide init hook that
    // stays on while any store is live). disable() drops them; the next run() enables it again.
    context.disable();
  }
}

/** One container's tracking: on during each phase (or always), off otherwise. */
export class HandleOrigins {
  #phases = 0;
  #always = false;

  constructor(readonly mode: HandleOriginsMode) {}

  /** Run a node's hook so that what it creates is attributed to it. */
  run<T>(node: string, phase: 'start' | 'stop', fn: () => T): T {
    if (this.mode === 'off') return fn();
    return context.run({ node, phase }, fn);
  }

  /** A walk (start or stop) begins: handles created from now on can be attributed. */
  beginPhase(): void {
    if (this.mode === 'off') return;
    if (this.mode === 'always') {
      if (!this.#always) enable();
      this.#always = true;
      return;
    }
    if (this.#phases++ === 0) enable();
  }

  endPhase(): void {
    if (this.mode !== 'phases') return;
    if (this.#phases > 0 && --this.#phases === 0) disable();
  }
}

/** The origin recorded for a handle (or the object that wraps it), if a node created it. */
export function originOf(handle: object | undefined): HandleOrigin | undefined {
  return handle === undefined ? undefined : origins.get(handle);
}

/** Timers and worker threads that nodes created and that still exist (alive or not: the caller checks). */
export function trackedUnlisted(): object[] {
  const found: object[] = [];
  for (const ref of unlisted) {
    const value = ref.deref();
    if (value === undefined) unlisted.delete(ref);
    else found.push(value);
  }
  return found;
}
