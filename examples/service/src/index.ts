// What other workspace packages (the benchmark) reuse from the example: where its entry point is,
// and the loopback load generator its end-to-end tests use.
import { fileURLToPath } from 'node:url';

export const serviceEntry = fileURLToPath(new URL('./main.js', import.meta.url));
export { runLoad, type LoadResult, type RequestOutcome } from './load-generator.js';
