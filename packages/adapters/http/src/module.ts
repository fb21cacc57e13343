import { type LifecycleContainer, type LifecycleModule, type Token } from '@quiesce/core';
import { lifecycleModule, moduleBinding } from '@quiesce/core/kit';
import { httpServer } from './http-server.js';
import type { HttpServerLike, HttpServerOptions } from './options.js';

export interface HttpModuleOptions extends HttpServerOptions {
  /** Token to inject the server by. Default: the node name (`name`, else the token's name, else 'http'). */
  token?: Token<HttpServerLike>;
}

/**
 * An http(s) server ready for `app.load(httpModule({ server, port, probes: { readiness: '/readyz' } }))`.
 * Probes read the health of the container the module is loaded into. Options are validated here.
 */
export function httpModule(options: HttpModuleOptions): LifecycleModule {
  const { token: _token, ...rest } = options ?? ({} as HttpModuleOptions);
  const { name, token } = moduleBinding('httpModule', options ?? {}, 'http');
  let app: LifecycleContainer | undefined;
  // The container itself is not known yet: a view of it that reads its health and options later.
  const view = { health: () => app!.health(), get options() { return app!.options; } };
  const probes = typeof rest.probes === 'object' && rest.probes !== null ? { health: view, ...rest.probes } : rest.probes;
  const definition = httpServer({ ...rest, name, probes });
  return lifecycleModule(name, (container) => {
    app = container;
    container.resource(token, definition);
  });
}
