import type { z } from 'zod';

/**
 * A `superRefine` for "give exactly one of these fields" (the adopted instance, what to build it
 * from, or the token of another node): none names the first field with `whenNone`; more than one
 * names each given after the first. `exactlyOneOf('pool', 'config', msg)` or, for three and more,
 * `exactlyOneOf(['port', 'server', 'serverToken'], msg)`.
 */
export function exactlyOneOf<T extends object>(fields: readonly (keyof T & string)[], whenNone: string): (value: T, ctx: z.RefinementCtx<T>) => void;
export function exactlyOneOf<T extends object>(first: keyof T & string, second: keyof T & string, whenNone: string): (value: T, ctx: z.RefinementCtx<T>) => void;
export function exactlyOneOf<T extends object>(...args: [readonly (keyof T & string)[], string] | [keyof T & string, keyof T & string, string]) {
  const [fields, whenNone]: [readonly (keyof T & string)[], string] = args.length === 2 ? args : [[args[0], args[1]], args[2]];
  const rest = fields.length === 2 ? 'give exactly one of them' : `give exactly one of \`${fields.join('`, `')}\``;
  return (value: T, ctx: z.RefinementCtx<T>): void => {
    const given = fields.filter((key) => value[key] !== undefined);
    if (given.length === 0) return void ctx.addIssue({ code: 'custom', path: [fields[0]!], message: whenNone });
    for (const extra of given.slice(1)) {
      ctx.addIssue({ code: 'custom', path: [extra], message: `cannot be combined with \`${given[0]}\`: ${rest}` });
    }
  };
}
