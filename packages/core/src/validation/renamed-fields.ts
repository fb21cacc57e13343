import type { z } from 'zod';
import type { Zod } from './lazy-schema.js';

/**
 * Schema fields for option names that were renamed (0.x breaking changes): an old name given is
 * refused naming itself and its new name, never ignored. Spread into a strict object's shape:
 * `.extend({ ...renamedFields(z, { url: 'config' }) })`. Without it a strict object says only
 * "Unrecognized key", and a loose one would drop the option silently.
 */
export function renamedFields<Old extends string>(z: Zod, renames: Record<Old, string>): Record<Old, z.ZodOptional<z.ZodNever>> {
  const shape = {} as Record<Old, z.ZodOptional<z.ZodNever>>;
  for (const [old, now] of Object.entries(renames) as [Old, string][]) {
    shape[old] = z.never({ error: `\`${old}\` was renamed to \`${now}\` in 0.x` }).optional();
  }
  return shape;
}
