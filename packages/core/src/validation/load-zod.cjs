'use strict';
// CommonJS and plain JavaScript on purpose (copied to dist as is; types in load-zod.d.cts).
// Importing quiesce must not load zod (≈100 ms and 95 modules on every pod start) until something
// is validated, and validation is synchronous (a constructor throws on bad options), so zod is
// `require`d on first use. A plain `require('zod')` inside a function of a CommonJS file is the form
// every bundler (esbuild, webpack, rollup's commonjs plugin) follows and still runs lazily;
// `createRequire(import.meta.url)` in ESM is not, and a bundled service would fail at runtime.
module.exports = function loadZod() {
  return require('zod');
};
