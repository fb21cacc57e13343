import type { LifecycleContainer } from './lifecycle-container.js';

/**
 * A group of resources registered together, so an adapter package can ship a ready-made piece
 * (`app.load(pgModule({ connectionString }))`). Modules are plain data: a name and a function.
 */
export interface LifecycleModule {
  readonly name: string;
  register(app: LifecycleContainer): void;
}

export function lifecycleModule(name: string, register: (app: LifecycleContainer) => void): LifecycleModule {
  return { name, register };
}
