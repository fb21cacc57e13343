/** What tests read of an InvalidOptionsError (matched by its stable code, so no core import here). */
export interface OptionsFailure {
  readonly message: string;
  readonly issues: readonly { readonly field: string; readonly message: string }[];
}

/**
 * Calls `fn`, which must throw quiesce's InvalidOptionsError (`code: 'QUIESCE_INVALID_OPTIONS'`),
 * and returns it; anything else — no throw, another error — fails the test with what happened.
 */
export function invalidOptions(fn: () => unknown): OptionsFailure {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if ((thrown as { code?: unknown } | undefined)?.code !== 'QUIESCE_INVALID_OPTIONS') {
    throw new Error(`expected an InvalidOptionsError, got ${thrown === undefined ? 'no error' : String(thrown)}`);
  }
  return thrown as OptionsFailure;
}
