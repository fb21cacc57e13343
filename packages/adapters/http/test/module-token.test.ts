import http from 'node:http';
import { InvalidOptionsError, LifecycleContainer } from '@quiesce/core';
import { describe, expect, it } from 'vitest';
import { httpModule } from '../src/index.js';

// Issue #27: every module validates its token now, into an InvalidOptionsError naming the field.
describe('httpModule token', () => {
  it('a token that is not a class, string or symbol is refused, naming `token`', () => {
    const server = http.createServer();
    let error: unknown;
    try {
      httpModule({ server, port: 0, token: 42 as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).issues).toEqual([{ field: 'token', message: 'expected a class, string or symbol token' }]);
  });

  // #27: one convention for every module: node name = `name`, else the token's name, else 'http'; token = the node name.
  it('names its node after `name`, else the token, else "http"; the token defaults to the node name', () => {
    const app = new LifecycleContainer();
    const Admin = Symbol('admin');
    app.load(httpModule({ create: () => http.createServer(), port: 0 }));
    app.load(httpModule({ create: () => http.createServer(), port: 0, token: 'api' }));
    app.load(httpModule({ create: () => http.createServer(), port: 0, token: Admin }));
    app.resource('user', { value: {}, dependsOn: ['http', 'api', Admin] });
    expect(app.graph().nodes.find((n) => n.name === 'user')?.dependsOn).toEqual(['http', 'api', 'admin']);
  });
});
