import { type LifecycleContainer, type LifecycleModule } from '@quiesce/core';
import { lifecycleModule, moduleBinding } from '@quiesce/core/kit';
import type { WsModuleOptions } from './options.js';
import { defineWsServer } from './ws-server.js';

/**
 * `app.load(wsModule({ serverToken: 'http', path: '/feed', onConnection }))`: the service bound to
 * `token` (default: the node name: `name`, else the token's name, else 'ws'). The stop's outcome goes to the container's logger unless
 * `logger` is given. Options are validated here.
 */
export function wsModule(options: WsModuleOptions): LifecycleModule {
  const { token: _token, ...rest } = options ?? ({} as WsModuleOptions);
  const { name, token } = moduleBinding('wsModule', options ?? {}, 'ws');
  let app: LifecycleContainer | undefined;
  // The container is not known yet: its logger is read when the outcome is logged.
  const definition = defineWsServer({ ...rest, name }, 'wsModule', () => app?.options.logger);
  return lifecycleModule(name, (container) => {
    app = container;
    container.resource(token, definition);
  });
}
