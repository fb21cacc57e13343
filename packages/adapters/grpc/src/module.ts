import { type LifecycleContainer, type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleBinding } from '@quiesce/core/kit';
import { defineGrpcServer } from './grpc-server.js';
import type { GrpcModuleOptions } from './options.js';

/** `app.load(grpcModule({ server, port }))`: the GrpcService bound to `token` (default: the node name: `name`, else the token's name, else 'grpc'), logging to the container's logger. */
export function grpcModule(options: GrpcModuleOptions): LifecycleModule {
  const { token: _token, ...rest } = options ?? ({} as GrpcModuleOptions);
  const { name, token } = moduleBinding('grpcModule', options ?? {}, 'grpc');
  let app: LifecycleContainer | undefined;
  const definition = defineGrpcServer({ ...rest, name }, 'grpcModule', () => app?.options.logger);
  return lifecycleModule(name, (container) => {
    app = container;
    container.resource(token, definition);
  });
}
