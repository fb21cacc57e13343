/** Where the container is in its lifecycle. */
export type ContainerState = 'idle' | 'starting' | 'running' | 'draining' | 'stopping' | 'stopped';

export type NodeHealth = 'pending' | 'starting' | 'ready' | 'stopping' | 'stopped' | 'failed';

export interface HealthReport {
  readonly state: ContainerState;
  /** Readiness: take traffic. False from the first shutdown request on (drain delay included). */
  readonly ready: boolean;
  /** Liveness: false only when a node failed while running; a draining process stays live. */
  readonly live: boolean;
  readonly nodes: Readonly<Record<string, NodeHealth>>;
}

/** Per-node state as the lifecycle walks move through it. */
export class HealthBoard {
  #names: readonly string[] = [];
  #states: NodeHealth[] = [];
  #draining = false;

  init(names: readonly string[]): void {
    this.#names = names;
    this.#states = names.map(() => 'pending');
  }

  set(i: number, state: NodeHealth): void {
    this.#states[i] = state;
  }

  draining(): void {
    this.#draining = true;
  }

  report(state: ContainerState): HealthReport {
    const nodes: Record<string, NodeHealth> = {};
    this.#names.forEach((name, i) => (nodes[name] = this.#states[i]!));
    const shuttingDown = this.#draining || state === 'draining' || state === 'stopping';
    return {
      state,
      ready: state === 'running' && !shuttingDown && this.#states.every((s) => s === 'ready'),
      live: state !== 'stopped' && (shuttingDown || !this.#states.includes('failed')),
      nodes,
    };
  }
}
