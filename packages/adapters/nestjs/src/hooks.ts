import type { NestApp } from './nest-shapes.js';

/** Nest's shutdown hooks, in the order Nest calls them; quiesce runs a provider's in this order too. */
export const NEST_HOOKS = ['onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown'] as const;
export type NestHook = (typeof NEST_HOOKS)[number];

type Hooked = Partial<Record<NestHook, (signal?: string) => unknown>>;

export function hooksOn(instance: unknown): NestHook[] {
  if (typeof instance !== 'object' || instance === null) return [];
  return NEST_HOOKS.filter((hook) => typeof (instance as Hooked)[hook] === 'function');
}

/**
 * A provider's shutdown hooks, each run at most once by whoever calls it first. quiesce runs them
 * in the provider's node; `app.close()` at the end (to close Nest's HTTP server and transports)
 * then calls the replacements installed on the instance, which return at once — also when the
 * hook quiesce ran is still hanging past its timeout, so close() is not held by it. A program
 * calling `app.close()` itself before any shutdown gets Nest's order, and quiesce runs none again.
 */
export class OnceHooks {
  private readonly started = new Set<NestHook>();
  private readonly originals = new Map<NestHook, (signal?: string) => unknown>();
  private running: NestHook | undefined;

  constructor(
    private readonly instance: object,
    readonly hooks: readonly NestHook[],
  ) {
    for (const hook of hooks) {
      const original = (instance as Hooked)[hook]!;
      this.originals.set(hook, original);
      // An own property shadows the prototype's method; Nest reads `instance[hook]` each time.
      Object.defineProperty(instance, hook, { configurable: true, writable: true, value: (signal?: string) => this.call(hook, signal) });
    }
  }

  /** Every hook of the provider, in Nest's order, each awaited before the next. */
  async runAll(signal: string | undefined): Promise<void> {
    for (const hook of this.hooks) await this.call(hook, signal);
  }

  /** For the report when the node's time runs out: which hook was still running. */
  pending(): string | undefined {
    return this.running ? `${this.running}() still running` : undefined;
  }

  private async call(hook: NestHook, signal: string | undefined): Promise<void> {
    if (this.started.has(hook)) return;
    this.started.add(hook);
    this.running = hook;
    try {
      await this.originals.get(hook)!.call(this.instance, signal);
    } finally {
      if (this.running === hook) this.running = undefined;
    }
  }
}

/** The signal Nest's hooks receive: the one that started the shutdown, if a signal did. */
export function signalOf(reason: { kind: string; signal?: string } | undefined): string | undefined {
  return reason?.kind === 'signal' ? reason.signal : undefined;
}

export type { NestApp };
