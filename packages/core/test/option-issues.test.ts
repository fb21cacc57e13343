import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, LifecycleContainer } from '../src/index.js';
import { lazySchema, parseOptions } from '../src/kit/main.js';

// A nested union like @quiesce/grpc's `health: false | { services?: string[] }`.
const schema = lazySchema((z) =>
  z
    .object({
      health: z.union([z.literal(false), z.object({ services: z.array(z.string().min(1)).optional() }).strict()]).optional(),
      port: z.number().int().optional(),
      password: z.string().optional(),
    })
    .strict(),
);

function refused(run: () => unknown): InvalidOptionsError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return error as InvalidOptionsError;
  }
  throw new Error('expected the options to be refused');
}
const issuesOf = (input: unknown) => refused(() => parseOptions(schema, input, 'grpcServer(api)')).issues;
const containerIssues = (input: object) => refused(() => new LifecycleContainer(input as never)).issues;

describe('option errors name the nested field, not "health: Invalid input"', () => {
  it('a wrong field inside a union branch the value matched in shape is named with its full path', () => {
    expect(issuesOf({ health: { services: 'orders' } })).toEqual([{ field: 'health.services', message: 'expected an array, got "orders"' }]);
    expect(issuesOf({ health: { services: [''] } })).toEqual([{ field: 'health.services.0', message: 'must not be empty' }]);
  });

  it('an unknown key names itself under its parent, one issue per key, with the option it was most likely meant as', () => {
    expect(issuesOf({ health: { servics: [] } })).toEqual([{ field: 'health.servics', message: 'unknown option: did you mean `services`?' }]);
    expect(issuesOf({ prot: 1, hlth: false })).toEqual([
      { field: 'prot', message: 'unknown option: did you mean `port`?' },
      { field: 'hlth', message: 'unknown option: did you mean `health`?' },
    ]);
    expect(issuesOf({ listen: 1 })).toEqual([{ field: 'listen', message: 'unknown option (known: health, port, password)' }]);
  });

  it('a value that matches no branch says what each branch expected, and what it got', () => {
    expect(issuesOf({ health: 'yes' })).toEqual([{ field: 'health', message: 'expected false; or expected an object, got "yes"' }]);
  });

  it('never echoes a value that may be a secret', () => {
    const [issue] = issuesOf({ password: 12345 });
    expect(issue).toEqual({ field: 'password', message: 'expected a string, got 12345' });
    const wrongType = refused(() => parseOptions(lazySchema((z) => z.object({ password: z.number() })), { password: 'hunter2' }, 'x')).issues;
    expect(wrongType).toEqual([{ field: 'password', message: 'expected a number, got a string' }]);
  });

  it('the error message carries the same fields', () => {
    expect(() => parseOptions(schema, { health: { services: 'orders' } }, 'grpcServer(api)')).toThrow('Invalid options for grpcServer(api): health.services: expected an array, got "orders"');
  });
});

describe("the container's options in the reference's words: units, what was given, did you mean", () => {
  it('a duration says its unit and what it got, never zod\'s "expected int, received number"', () => {
    expect(containerIssues({ shutdownTimeoutMs: 1.5 })).toEqual([{ field: 'shutdownTimeoutMs', message: 'expected a whole number of milliseconds, got 1.5' }]);
    expect(containerIssues({ drainDelayMs: -1 })).toEqual([{ field: 'drainDelayMs', message: 'must be at least 0 ms, got -1' }]);
    expect(containerIssues({ shutdownTimeoutMs: 0 })).toEqual([{ field: 'shutdownTimeoutMs', message: 'must be more than 0 ms, got 0' }]);
    expect(containerIssues({ shutdownTimeoutMs: '5s' })).toEqual([
      { field: 'shutdownTimeoutMs', message: 'expected a number of milliseconds, got "5s" (a duration is a number of milliseconds: 5000, not "5s")' },
    ]);
    expect(containerIssues({ shutdownTimeoutMs: 3e9 })[0]!.message).toBe("must be at most 2147483647 ms, got 3000000000 (setTimeout's limit, about 24.8 days: a longer delay would fire at once)");
  });

  it('seconds stay seconds', () => {
    expect(containerIssues({ terminationGracePeriodSeconds: -5 })).toEqual([{ field: 'terminationGracePeriodSeconds', message: 'must be more than 0 s, got -5' }]);
  });

  it("a typo'd key, or a peer's name for one, gets a did-you-mean", () => {
    expect(containerIssues({ shutdownTimeotMs: 5000 })).toEqual([{ field: 'shutdownTimeotMs', message: 'unknown option: did you mean `shutdownTimeoutMs`?' }]);
    expect(containerIssues({ deadlineMs: 5000 })).toEqual([{ field: 'deadlineMs', message: 'unknown option: did you mean `shutdownTimeoutMs`?' }]);
    expect(containerIssues({ drainDelay: 5000 })).toEqual([{ field: 'drainDelay', message: 'unknown option: did you mean `drainDelayMs`?' }]);
    expect(containerIssues({ beforeShutdownDelayMs: 5000 })).toEqual([{ field: 'beforeShutdownDelayMs', message: 'unknown option: did you mean `drainDelayMs`?' }]);
  });

  it('an enum lists its values', () => {
    expect(refused(() => new LifecycleContainer().resource('x', { value: 1, policy: 'best-effort' as never })).issues).toEqual([
      { field: 'policy', message: 'must be one of "critical", "bestEffort", got "best-effort"' },
    ]);
  });

  it("handleSignals() speaks the same way, and keeps the messages its schema wrote", () => {
    const app = new LifecycleContainer();
    expect(refused(() => app.handleSignals({ exitGraceMs: 1.5 })).issues).toEqual([{ field: 'exitGraceMs', message: expect.stringMatching(/whole number of ms/) }]);
    expect(refused(() => app.handleSignals({ onreport: () => {} } as never)).issues).toEqual([{ field: 'onreport', message: 'unknown option: did you mean `onReport`?' }]);
  });
});
