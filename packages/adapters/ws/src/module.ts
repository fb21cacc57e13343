import { type LifecycleContainer, type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleTokenSchema, parseOptions } from '@quiesce/core/kit';
import type { WsModuleOptions } from './options.js';
import { defineWsServer } from './ws-server.js';

/**
 * `app.load(wsModule({ httpServer: 'http', path: '/feed', onConnection }))`: the service bound to
 * `token` (default: `name`, else 'ws'). The stop's outcome goes to the container's logger unless
 * `logger` is given. Options are validated here.
 */
export function wsModule(options: WsModuleOptions): LifecycleModule {
  const { token, ...rest } = options ?? ({} as WsModuleOptions);
  parseOptions(moduleTokenSchema, { token }, 'wsModule');
  const name = rest.name ?? (typeof token === 'string' ? token : 'ws');
  let app: LifecycleContainer | undefined;
  // The container is not known yet: its logger is read when the outcome is logged.
  const definition = defineWsServer({ ...rest, name }, 'wsModule', () => app?.options.logger);
  return lifecycleModule(name, (container) => {
    app = container;
    container.resource(token ?? name, definition);
  });
}
