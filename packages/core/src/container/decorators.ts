import { injectable } from 'inversify';
import { DecoratorSetupError } from './usage-errors.js';
import { parseOptions, resourceOptionsSchema, type ResourceOptions } from './options.js';

const RESOURCE_METADATA = Symbol.for('quiesce:resource-options');
// inversify refuses a second @injectable on a class; this is the flag it checks.
const INVERSIFY_INJECTABLE_FLAG = '@inversifyjs/core/classIsInjectableFlagReflectKey';

/**
 * Marks a class as a lifecycle resource: it becomes a node of the graph, started in dependency
 * order and stopped in reverse. Implies inversify's `@injectable()` (put `@injectable()` *below*
 * `@resource()` if you keep it, or drop it). Lifecycle methods are found on the instance:
 * `start(ctx)`, `quiesce(ctx)` (stop taking new work), `stop(ctx)`, or `[Symbol.asyncDispose]()`.
 */
export function resource(options: ResourceOptions = {}): ClassDecorator {
  return (target, ...standard: unknown[]) => {
    // A TC39 decorator gets (class, context): compiled without experimentalDecorators, where
    // nothing would inject and inversify's error would name neither cause nor fix.
    if (isStandardDecoratorContext(standard[0])) throw new DecoratorSetupError(target.name);
    const parsed = parseOptions(resourceOptionsSchema, options, `@resource() on class ${target.name}`);
    Reflect.defineMetadata(RESOURCE_METADATA, parsed, target);
    if (Reflect.getOwnMetadata(INVERSIFY_INJECTABLE_FLAG, target) === undefined) injectable()(target);
  };
}

function isStandardDecoratorContext(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'class';
}

/** The options `@resource()` stored on a class, or undefined for a plain injectable. */
export function getResourceOptions(target: object): ResourceOptions | undefined {
  return Reflect.getOwnMetadata(RESOURCE_METADATA, target) as ResourceOptions | undefined;
}
