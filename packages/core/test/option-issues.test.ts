import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/index.js';
import { lazySchema, parseOptions } from '../src/kit/main.js';

// A nested union like @quiesce/grpc's `health: false | { services?: string[] }`.
const schema = lazySchema((z) =>
  z
    .object({
      health: z.union([z.literal(false), z.object({ services: z.array(z.string().min(1)).optional() }).strict()]).optional(),
      port: z.number().int().optional(),
    })
    .strict(),
);

function issuesOf(input: unknown) {
  try {
    parseOptions(schema, input, 'grpcServer(api)');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return (error as InvalidOptionsError).issues;
  }
  throw new Error('expected the options to be refused');
}

describe('option errors name the nested field, not "health: Invalid input"', () => {
  it('a wrong field inside a union branch the value matched in shape is named with its full path', () => {
    expect(issuesOf({ health: { services: 'orders' } })).toEqual([{ field: 'health.services', message: 'Invalid input: expected array, received string' }]);
    expect(issuesOf({ health: { services: [''] } })).toEqual([{ field: 'health.services.0', message: expect.stringMatching(/>=1 characters/) }]);
  });

  it('an unknown key names itself under its parent, one issue per key', () => {
    expect(issuesOf({ health: { servics: [] } })).toEqual([{ field: 'health.servics', message: 'Unrecognized key: "servics"' }]);
    expect(issuesOf({ prot: 1, hlth: false })).toEqual([
      { field: 'prot', message: expect.stringMatching(/^Unrecognized keys/) },
      { field: 'hlth', message: expect.stringMatching(/^Unrecognized keys/) },
    ]);
  });

  it('a value that matches no branch says what each branch expected', () => {
    expect(issuesOf({ health: 'yes' })).toEqual([{ field: 'health', message: 'Invalid input: expected false; or expected object, received string' }]);
  });

  it('the error message carries the same fields', () => {
    expect(() => parseOptions(schema, { health: { services: 'orders' } }, 'grpcServer(api)')).toThrow('Invalid options for grpcServer(api): health.services: Invalid input: expected array, received string');
  });
});
