import http from 'node:http';
import { InvalidOptionsError } from '@quiesce/core';
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
});
