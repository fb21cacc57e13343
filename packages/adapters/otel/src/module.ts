import { type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import type { OtelModuleOptions, OtelValue } from './options.js';
import { defineOtelSdk } from './sdk.js';

/**
 * A ready-made module: `app.load(otelModule({ sdk }))` binds `sdk` (the SDK, a provider or an array
 * of them) under the node name `otel` unless named, to `token`, which defaults to the node's name.
 */
export function otelModule(options: OtelModuleOptions): LifecycleModule {
  const { token, ...rest } = options;
  parseOptions(moduleTokenSchema, { token }, 'otelModule');
  const definition = defineOtelSdk({ ...rest, name: rest.name ?? (token === undefined ? 'otel' : undefined) }, 'otelModule');
  // The kit's rule (issue #27): a module's token defaults to its node name.
  return lifecycleModule(definition.name ?? 'otel', (app) => app.resource<OtelValue>(token ?? definition.name ?? 'otel', definition));
}
