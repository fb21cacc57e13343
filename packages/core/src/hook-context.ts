import type { LifecycleContainer } from './container.js';
import type { HookContext } from './hooks.js';
import type { InFlight } from './in-flight.js';
import type { PhaseContext } from './phase-context.js';
import type { Token } from './token.js';

/**
 * What hooks receive. A class, not an object literal with getters: a literal would allocate its
 * accessor functions anew for every node, which showed up as GC time on large graphs.
 */
export class NodeHookContext implements HookContext {
  constructor(
    private readonly ctx: PhaseContext,
    private readonly app: LifecycleContainer,
    private readonly token: Token,
  ) {}
  get name(): string {
    return this.ctx.name;
  }
  get phase(): 'start' | 'stop' {
    return this.ctx.phase;
  }
  get signal(): AbortSignal {
    return this.ctx.signal;
  }
  get aborted(): boolean {
    return this.ctx.aborted;
  }
  get deadline(): number {
    return this.ctx.deadline;
  }
  get inFlight(): InFlight {
    return this.app.inFlight(this.token);
  }
  get shutdownRequested(): AbortSignal {
    return this.app.shutdownRequested;
  }
}
