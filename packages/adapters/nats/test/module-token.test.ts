import { InvalidOptionsError } from '@quiesce/core';
import { describe, expect, it } from 'vitest';
import { natsModule } from '../src/index.js';

// Issue #27: every module validates its token now, into an InvalidOptionsError naming the field.
describe('natsModule token', () => {
  it('a connection token that is not a class, string or symbol is refused, naming `token`', () => {
    const load = () => natsModule({ connection: { create: async () => ({}) as never, token: 42 as never } });
    expect(load).toThrow(InvalidOptionsError);
    expect(load).toThrow(/^Invalid options for natsModule: token: expected a class, string or symbol token$/);
  });
});
