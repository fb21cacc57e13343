import { type LifecycleContainer, type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import { defineGrpcServer } from './grpc-server.js';
import type { GrpcModuleOptions } from './options.js';

/** `app.load(grpcModule({ server, port }))`: the GrpcService bound to `token` (default: `name`, else 'grpc'), logging to the container's logger. */
export function grpcModule(options: GrpcModuleOptions): LifecycleModule {
  const { token, ...rest } = options ?? ({} as GrpcModuleOptions);
  parseOptions(moduleTokenSchema, { token }, 'grpcModule');
  const name = rest.name ?? (typeof token === 'string' ? token : 'grpc');
  let app: LifecycleContainer | undefined;
  const definition = defineGrpcServer({ ...rest, name }, 'grpcModule', () => app?.options.logger);
  return lifecycleModule(name, (container) => {
    app = container;
    container.resource(token ?? name, definition);
  });
}
