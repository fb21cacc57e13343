'use strict';
// CommonJS and plain JavaScript on purpose (copied to dist as is; types in load-zod.d.cts).
// Importing quiesce must not load zod (≈ 65–100 ms and 95 modules on every pod start) until
// something is validated, and validation is synchronous (a constructor throws on bad options), so
// zod is required on first use.
//
// Which zod: its ES module build when Node can require it quietly. That is the copy an app's own
// `import { z } from 'zod'` gets, so an app that uses zod loads it once, not twice (its CommonJS
// build is a second copy, ≈ 60 ms more), and here it also loads faster than the CommonJS build.
// Node 20.19+ and 22.13+ require ES modules without a word; 22.12 and 23.0–23.4 print an
// ExperimentalWarning for it, so there the CommonJS build is taken.
//
// The plain `require('zod')` below is also what bundlers (esbuild, webpack, rollup's commonjs
// plugin, rolldown) follow: in a bundle the path lookup fails and the bundled copy is used.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

function requiresEsmQuietly() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (!process.features || process.features.require_module !== true) return false;
  return !((major === 22 && minor < 13) || (major === 23 && minor < 5));
}

function esmBuild() {
  const root = dirname(require.resolve('zod'));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entry = manifest.exports && manifest.exports['.'] && manifest.exports['.'].import;
  return typeof entry === 'string' ? require(join(root, entry)) : undefined;
}

module.exports = function loadZod() {
  if (requiresEsmQuietly()) {
    try {
      const zod = esmBuild();
      if (zod && zod.z) return zod;
    } catch {
      // A bundle (no zod folder to find), or a layout we do not know: the CommonJS build below.
    }
  }
  return require('zod');
};
