import { InvalidOptionsError } from '@quiesce/core';
import { describe, expect, it } from 'vitest';
import { redisModule } from '../src/index.js';

// Issue #27: every module validates its token now, into an InvalidOptionsError naming the field.
describe('redisModule token', () => {
  it('a token that is not a class, string or symbol is refused, naming `token`', () => {
    expect(() => redisModule({ token: 42 as never, config: 'redis://127.0.0.1:6379' })).toThrow(InvalidOptionsError);
    expect(() => redisModule({ token: 42 as never, config: 'redis://127.0.0.1:6379' })).toThrow(/^Invalid options for redisModule: token: expected a class, string or symbol token$/);
  });
});
