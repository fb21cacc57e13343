import type { z } from 'zod';

type Issue = z.core.$ZodIssue & { readonly input?: unknown };

// setTimeout's limit (2^31 − 1 ms): every duration option stops there.
const MAX_DELAY_MS = 2_147_483_647;
// Values of fields like these may be credentials: never echoed in an error.
const SECRET_FIELD = /pass|secret|token|key|cred|auth|url|uri|dsn|connection|config/i;

/** The unit a field's name promises (`…Ms`: ms, `…Seconds`: s), for the message's numbers. */
function unitOf(field: string): { readonly word: string; readonly symbol: string } | undefined {
  if (/Ms$/.test(field)) return { word: 'milliseconds', symbol: ' ms' };
  if (/Seconds$/.test(field)) return { word: 'seconds', symbol: ' s' };
  return undefined;
}

// zod's own wording (a schema's `.int('…')` message is kept as written).
const ZOD_DEFAULT = /^(Invalid input|Too small|Too big|Invalid option)/;

const EXPECTED: Readonly<Record<string, string>> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  function: 'a function',
};

/** What a refused value was, said without echoing anything that may be a secret. */
export function describeInput(input: unknown, field: string): string {
  if (typeof input === 'number' || typeof input === 'boolean' || input === null) return String(input);
  if (typeof input === 'string') return input.length <= 32 && !SECRET_FIELD.test(field) ? JSON.stringify(input) : 'a string';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'function') return 'a function';
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`;
}

/**
 * zod's issue in the words of an option's reference: what the field expects, in its unit, and
 * what it got ("expected a whole number of milliseconds, got 1.5"), not zod's internals
 * ("expected int, received number"). Messages the schemas wrote themselves are kept as written.
 */
export function wordIssue(issue: Issue, field: string): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  const unit = unitOf(field);
  const got = 'input' in issue ? `, got ${describeInput(issue.input, field)}` : '';
  switch (issue.code) {
    case 'invalid_type': {
      if (!('input' in issue) || issue.input === undefined) return `is required: ${expected(issue.expected, unit)}`;
      const hint = unit && typeof issue.input === 'string' ? ` (a duration is a number of ${unit.word}: 5000, not "5s")` : '';
      return `expected ${expected(issue.expected, unit)}${got}${hint}`;
    }
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      if (issue.origin !== 'number') return `must have at least ${issue.minimum} ${issue.origin === 'string' ? 'characters' : 'items'}${got}`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}${unit?.symbol ?? ''}${got}`;
    case 'too_big': {
      if (issue.origin !== 'number') return `must have at most ${issue.maximum} ${issue.origin === 'string' ? 'characters' : 'items'}${got}`;
      const limit = Number(issue.maximum) * (unit?.symbol === ' s' ? 1000 : 1) === MAX_DELAY_MS ? " (setTimeout's limit, about 24.8 days: a longer delay would fire at once)" : '';
      return `must be at most ${issue.maximum}${unit?.symbol ?? ''}${got}${limit}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `expected ${JSON.stringify(issue.values[0])}${got}` : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${got}`;
    default:
      return issue.message;
  }
}

function expected(type: string, unit: ReturnType<typeof unitOf>): string {
  const what = EXPECTED[type] ?? type;
  return unit && (type === 'int' || type === 'number') ? `${what} of ${unit.word}` : what;
}
