import { type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import type { OtelModuleOptions, OtelValue } from './options.js';
import { defineOtelSdk } from './sdk.js';

/**
 * A ready-made module: `app.load(otelModule({ sdk }))` binds the SDK (or the `providers` array) to
 * `token` (default `'otel'`) under the node name `otel` unless named.
 */
export function otelModule(options: OtelModuleOptions): LifecycleModule {
  const { token, ...rest } = options;
  parseOptions(moduleTokenSchema, { token }, 'otelModule');
  const definition = defineOtelSdk({ ...rest, name: rest.name ?? (token === undefined ? 'otel' : undefined) }, 'otelModule');
  return lifecycleModule(definition.name ?? 'otel', (app) => app.resource<OtelValue>(token ?? 'otel', definition));
}
