import type * as Zod from 'zod';

/** zod (its ES module build where Node requires it quietly, else its CommonJS build), required on first call. */
declare function loadZod(): typeof Zod;
export = loadZod;
