import { InvalidOptionsError } from '@quiesce/core';
import { describe, expect, it } from 'vitest';
import { amqpModule } from '../src/index.js';

// Issue #27: every module validates its token now, into an InvalidOptionsError naming the field.
describe('amqpModule token', () => {
  it('a connection token that is not a class, string or symbol is refused, naming `token`', () => {
    const load = () => amqpModule({ connection: { config: 'amqp://127.0.0.1', token: 42 as never } });
    expect(load).toThrow(InvalidOptionsError);
    expect(load).toThrow(/^Invalid options for amqpModule: token: expected a class, string or symbol token$/);
  });
});
