import type { z } from 'zod';

/**
 * A `superRefine` for "give exactly one of two fields" (a pool or its config, an SDK or its
 * providers): neither names the first field with `whenNeither`, both name the second.
 */
export function exactlyOneOf<T extends object>(first: keyof T & string, second: keyof T & string, whenNeither: string) {
  return (value: T, ctx: z.RefinementCtx<T>): void => {
    const has = (key: keyof T) => value[key] !== undefined;
    if (!has(first) && !has(second)) ctx.addIssue({ code: 'custom', path: [first], message: whenNeither });
    else if (has(first) && has(second)) ctx.addIssue({ code: 'custom', path: [second], message: `cannot be combined with \`${first}\`: give exactly one of them` });
  };
}
