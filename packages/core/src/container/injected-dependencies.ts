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
  const elements: (ElementMetadata | undefined)[] = [...metadata.constructorArguments, ...metadata.properties.values()];
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

// Read straight from the reflect metadata @inversifyjs/core writes (same key and shape from
// inversify 8.0's core 10 to 8.2's core 15) instead of importing @inversifyjs/core: that package is
// an exact pin of inversify's, so a copy of our own would be a second 4.7 MB core whenever the
// user's inversify differs by a patch. inversify validates the metadata itself when it resolves.
const CLASS_METADATA_KEY = '@inversifyjs/core/classMetadataReflectKey';

// The part of @inversifyjs/core's ClassMetadata read here, declared locally so that our published
// types name no package the user does not install.
interface ElementMetadata {
  readonly kind: number;
  readonly value?: unknown;
  readonly optional?: boolean;
}
interface ClassMetadata {
  readonly constructorArguments: readonly (ElementMetadata | undefined)[];
  readonly properties: ReadonlyMap<string | symbol, ElementMetadata>;
  readonly lifecycle: { readonly preDestroyMethodNames: ReadonlySet<string | symbol> };
}

export function classMetadataOf(target: Newable): ClassMetadata {
  let metadata = memo.get(target);
  if (!metadata) {
    metadata = (Reflect.getOwnMetadata(CLASS_METADATA_KEY, target) as ClassMetadata | undefined) ?? emptyMetadata();
    memo.set(target, metadata);
  }
  return metadata;
}

function emptyMetadata(): ClassMetadata {
  return { constructorArguments: [], properties: new Map(), lifecycle: { preDestroyMethodNames: new Set() } };
}
