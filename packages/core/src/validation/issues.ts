import type { z } from 'zod';
import type { OptionIssue } from '../errors.js';

/** zod's issues as the fields an InvalidOptionsError names (`a.b`, or the unknown keys themselves). */
export function optionIssues(issues: readonly z.core.$ZodIssue[]): OptionIssue[] {
  return issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(root)',
    message: issue.message,
  }));
}
