import { describeError } from '../errors.js';
import diagnostics_channel from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import type { Logger } from './logger.js';

export type NodeEventType = 'starting' | 'started' | 'stopping' | 'stopped' | 'failed' | 'timedOut' | 'skipped';

/** One node transition. Published as a typed event, on diagnostics_channel and to the logger. */
export interface NodeEvent {
  readonly type: NodeEventType;
  readonly node: string;
  readonly phase: 'start' | 'stop';
  /** Epoch ms of the transition. */
  readonly at: number;
  /** For settled nodes: how long its hook ran. */
  readonly durationMs?: number;
  readonly error?: unknown;
  readonly reason?: string;
}

export type LifecycleEventMap = { [K in NodeEventType]: [NodeEvent] } & { transition: [NodeEvent] };

/**
 * `node:diagnostics_channel` names, so APM/OpenTelemetry subscribers see every node transition
 * without a plugin: `quiesce:node:start` / `quiesce:node:stop` carry a NodeEvent.
 */
export const diagnosticsChannels = {
  start: 'quiesce:node:start',
  stop: 'quiesce:node:stop',
} as const;

const channels = {
  start: diagnostics_channel.channel(diagnosticsChannels.start),
  stop: diagnostics_channel.channel(diagnosticsChannels.stop),
};

const levels: Record<NodeEventType, 'debug' | 'info' | 'warn' | 'error'> = {
  starting: 'debug',
  started: 'info',
  stopping: 'debug',
  stopped: 'info',
  skipped: 'info',
  failed: 'error',
  timedOut: 'error',
};

/** Fans one transition out to listeners, diagnostics_channel subscribers and the logger. */
export class LifecycleEvents extends EventEmitter<LifecycleEventMap> {
  constructor(private readonly logger: Logger | undefined) {
    super();
  }

  /** Whether anyone would see an event of this phase: building events nobody reads costs on huge graphs. */
  observed(phase: 'start' | 'stop', type: NodeEventType): boolean {
    return this.logger !== undefined || channels[phase].hasSubscribers || this.listenerCount(type) > 0 || this.listenerCount('transition') > 0;
  }

  publish(event: NodeEvent): void {
    // Subscriber, logger and listener errors must not derail a shutdown: each is contained.
    const channel = channels[event.phase];
    attempt(() => channel.hasSubscribers && channel.publish(event));
    if (this.logger) attempt(() => log(this.logger!, event));
    const failure = attempt(() => {
      this.emit(event.type, event);
      this.emit('transition', event);
    });
    if (failure !== undefined) attempt(() => this.logger?.error({ err: failure, node: event.node }, 'quiesce: an event listener threw'));
  }
}

/** Run fn; return what it threw (undefined when it did not). */
function attempt(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error ?? new Error('undefined thrown');
  }
}

function log(logger: Logger, event: NodeEvent): void {
  const level = levels[event.type];
  const write = (level === 'debug' ? logger.debug : logger[level])?.bind(logger);
  if (!write) return;
  const { type, node, phase, durationMs, error, reason } = event;
  // The message alone reads as a sentence (a console logger prints only it); the fields are for pino.
  const took = durationMs !== undefined ? ` in ${Math.round(durationMs * 10) / 10} ms` : '';
  const why = error !== undefined ? `: ${describeError(error)}` : reason ? `: ${reason}` : '';
  write({ node, phase, status: type, durationMs, reason, err: error }, `quiesce: ${node} ${type}${took}${why}`);
}
