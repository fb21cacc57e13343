import { getClassMetadata, type ClassElementMetadata, type ClassMetadata } from '@inversifyjs/core';
import type { Newable } from 'inversify';

export interface DependencyRef {
  readonly token: unknown;
  readonly optional: boolean;
}

const UNMANAGED = 2; // ClassElementMetadataKind.unmanaged: not injected by the container

/**
 * The tokens inversify will inject into a class, read from inversify's own metadata (constructor
 * parameters, from @inject or from `design:paramtypes`, and injected properties), so the graph
 * sees exactly what the container resolves.
 */
export function injectedDependencies(target: Newable): readonly DependencyRef[] {
  const known = dependencyMemo.get(target);
  if (known) return known;
  const metadata = classMetadataOf(target);
  const elements: ClassElementMetadata[] = [...metadata.constructorArguments, ...metadata.properties.values()];
  const refs: DependencyRef[] = [];
  for (const element of elements) {
    if (element === undefined || element.kind === UNMANAGED) continue;
    const value = (element as { value: unknown }).value;
    const token = isLazy(value) ? value.unwrap() : value;
    refs.push({ token, optional: (element as { optional?: boolean }).optional === true });
  }
  dependencyMemo.set(target, refs);
  return refs;
}

function isLazy(value: unknown): value is { unwrap(): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { unwrap?: unknown }).unwrap === 'function';
}

// inversify re-reads and re-validates reflect metadata on every getClassMetadata() call; quiesce
// needs it twice per class (graph compile, teardown hooks) and it never changes once decorated.
const memo = new WeakMap<object, ClassMetadata>();
const dependencyMemo = new WeakMap<object, readonly DependencyRef[]>();

export function classMetadataOf(target: Newable): ClassMetadata {
  let metadata = memo.get(target);
  if (!metadata) {
    metadata = getClassMetadata(target);
    memo.set(target, metadata);
  }
  return metadata;
}
