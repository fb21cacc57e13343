import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `pnpm example` in a real pseudo-terminal (util-linux `script`), Ctrl-C sent to the terminal's
// foreground process group as a keyboard would: pnpm and the launcher each receive it.
const launcher = fileURLToPath(new URL('./fixtures/launcher.mjs', import.meta.url));
const shell = fileURLToPath(new URL('./fixtures/interactive-shell.mjs', import.meta.url));
let dir: string;
let pnpm: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-demo-'));
  const scripts = { exec: `exec node ${launcher}`, plain: `node ${launcher}`, where: 'node -p process.env.npm_execpath' };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'demo-launcher', private: true, scripts }));
  // The pnpm the README names, run through node directly so no npx shell sits in between: the one
  // running this suite (`pnpm test`), else the pinned one through npx.
  const running = process.env.npm_execpath ?? '';
  pnpm = /pnpm\.c?js$/.test(running) ? running : execFileSync('npx', ['-y', 'pnpm@10.34.8', 'run', '--silent', 'where'], { cwd: dir, encoding: 'utf8' }).trim();
}, 120_000);
afterAll(() => process.env.KEEP ? undefined : rmSync(dir, { recursive: true, force: true }));

/** Runs `pnpm run <script>` in a pty; presses Ctrl-C `presses` times (600 ms apart: well over the relay's 300 ms window) once the hint is out. */
async function inTerminal(script: string, presses: number): Promise<string> {
  const out = join(dir, `${script}-${presses}.out`);
  const pgFile = join(dir, `${script}-${presses}.pg`);
  // `exec`: the stand-in shell replaces `script`'s own `sh -c`, whatever SHELL is.
  const command = `exec node ${shell} ${pgFile} node ${pnpm} run ${script}`;
  const term = spawn('script', ['-qfc', command, out], { cwd: dir, detached: true, stdio: 'ignore' });
  const ended = new Promise<void>((resolve) => term.on('exit', () => resolve()));
  const read = (): string => { try { return readFileSync(out, 'utf8'); } catch { return ''; } };
  for (let i = 0; i < 200 && !read().includes('hint:'); i++) await new Promise((r) => setTimeout(r, 100));
  const group = Number(readFileSync(pgFile, 'utf8'));
  expect(group).toBeGreaterThan(1);
  for (let k = 0; k < presses; k++) {
    process.kill(-group, 'SIGINT');
    await new Promise((r) => setTimeout(r, 600));
  }
  await ended;
  return read().replace(/\r/g, '');
}

describe('pnpm example: Ctrl-C ends it without pnpm failure lines', () => {
  it('one Ctrl-C: the service hears it once, exits 0, pnpm reports success; the hint came after "listening"', async () => {
    const output = await inTerminal('exec', 1);
    expect(output.match(/service got SIG\w+/g)).toEqual(['service got SIGINT']);
    expect(output).toContain('service exited with code 0');
    expect(output).toContain('[pnpm exit status 0]');
    expect(output).not.toMatch(/ELIFECYCLE|ERR_PNPM|Command failed/);
    expect(output.indexOf('hint: try http://127.0.0.1:1/items')).toBeGreaterThan(output.indexOf('listening on'));
  }, 60_000);

  it('a second Ctrl-C later is relayed: the service takes its force path', async () => {
    const output = await inTerminal('exec', 2);
    // The second press reaches us as the terminal's SIGINT and as pnpm's SIGTERM (its own second
    // Ctrl-C kills its child): either one arrives first, and it is the service's second signal.
    expect(output.match(/service got SIG\w+ #\d/g)).toEqual(['service got SIGINT #1', expect.stringMatching(/^service got SIG(INT|TERM) #2$/)]);
    expect(output).toMatch(/service exited with code (130|143)/);
  }, 60_000);

  it('why the script uses exec: with a shell left between pnpm and the launcher, the same clean exit is reported as a failure', async () => {
    const output = await inTerminal('plain', 1);
    expect(output).toContain('service exited with code 0');
    expect(output).toMatch(/ELIFECYCLE/);
  }, 60_000);
});
