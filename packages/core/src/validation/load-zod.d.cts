import type * as Zod from 'zod';

/** zod's CommonJS build, required on first call (Node caches it). */
declare function loadZod(): typeof Zod;
export = loadZod;
