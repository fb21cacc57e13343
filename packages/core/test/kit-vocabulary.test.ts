import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/index.js';
import { exactlyOneOf, lazySchema, moduleBinding, parseOptions, renamedFields } from '../src/kit/main.js';

// The shape of @quiesce/ws's options: three ways to get a server, one old name.
const schema = lazySchema((z) =>
  z
    .object({ port: z.number().optional(), server: z.string().optional(), serverToken: z.string().optional(), ...renamedFields(z, { httpServer: 'server` or `serverToken' }) })
    .strict()
    .superRefine(exactlyOneOf(['port', 'server', 'serverToken'], 'give `port`, `server` or `serverToken`')),
);
const twoWay = lazySchema((z) => z.object({ pool: z.number().optional(), config: z.number().optional() }).strict().superRefine(exactlyOneOf('pool', 'config', 'give `pool` or `config`')));

/** The issues of the InvalidOptionsError `parseOptions` throws for `input`. */
function issuesOf(s: () => z.ZodType, input: unknown) {
  const error = catchError(() => parseOptions(s, input, 'wsServer'));
  expect(error).toBeInstanceOf(InvalidOptionsError);
  return (error as InvalidOptionsError).issues;
}
const catchError = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('the kit vocabulary helpers', () => {
  it('exactlyOneOf over three fields: none names the first, each extra one names itself', () => {
    expect(issuesOf(schema, {})).toEqual([{ field: 'port', message: 'give `port`, `server` or `serverToken`' }]);
    expect(issuesOf(schema, { port: 1, server: 's', serverToken: 't' })).toEqual([
      { field: 'server', message: 'cannot be combined with `port`: give exactly one of `port`, `server`, `serverToken`' },
      { field: 'serverToken', message: 'cannot be combined with `port`: give exactly one of `port`, `server`, `serverToken`' },
    ]);
    expect(parseOptions(schema, { serverToken: 't' }, 'wsServer')).toEqual({ serverToken: 't' });
  });

  it('exactlyOneOf over two fields keeps its message', () => {
    expect(issuesOf(twoWay, { pool: 1, config: 2 })).toEqual([{ field: 'config', message: 'cannot be combined with `pool`: give exactly one of them' }]);
  });

  it('an old option name is refused naming itself and its new name, not ignored', () => {
    expect(issuesOf(schema, { httpServer: 's', server: 's' })).toEqual([{ field: 'httpServer', message: '`httpServer` was renamed to `server` or `serverToken` in 0.x' }]);
  });

  it("moduleBinding: name, else the token's name, else the adapter; the token defaults to the name", () => {
    class Cls {}
    const analytics = Symbol('analytics');
    expect(moduleBinding('xModule', {}, 'pg')).toEqual({ name: 'pg', token: 'pg' });
    expect(moduleBinding('xModule', { name: 'orders' }, 'pg')).toEqual({ name: 'orders', token: 'orders' });
    expect(moduleBinding('xModule', { token: 'db' }, 'pg')).toEqual({ name: 'db', token: 'db' });
    expect(moduleBinding('xModule', { token: Cls }, 'pg')).toEqual({ name: 'Cls', token: Cls });
    expect(moduleBinding('xModule', { token: analytics }, 'pg')).toEqual({ name: 'analytics', token: analytics });
    expect(moduleBinding('xModule', { token: analytics, name: 'reports' }, 'pg')).toEqual({ name: 'reports', token: analytics });
    const anonymous = Symbol();
    expect(moduleBinding('xModule', { token: anonymous }, 'pg')).toEqual({ name: 'pg', token: anonymous });
    expect(() => moduleBinding('xModule', { token: 42 as never }, 'pg')).toThrow(/xModule.*token/s);
  });
});
