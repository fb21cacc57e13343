import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LifecycleContainer } from '@quiesce/core';
import { afterEach } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A file path in a fresh temp dir removed after the test. */
export function tempFile(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'quiesce-flush-'));
  dirs.push(dir);
  return path.join(dir, name);
}

/** The `msg` of every JSON line in `file`. */
export function loggedMessages(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

/**
 * A service whose three nodes log while they stop (over several turns of the event loop), beside
 * a log node `register` adds; returns the app and the messages it will have logged.
 */
export function loggingService(log: (msg: string) => void, register: (app: LifecycleContainer) => void): { app: LifecycleContainer; expected: string[] } {
  const expected: string[] = [];
  const say = (msg: string) => {
    log(msg);
    expected.push(msg);
  };
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000, defaultStopTimeoutMs: 2_000 });
  register(app); // first and depended on by nobody: only stopsLast puts it last
  for (const [name, dependsOn] of [['db', []], ['api', ['db']], ['worker', []]] as const) {
    app.resource(name, {
      value: {},
      dependsOn: [...dependsOn],
      stop: async () => {
        for (let i = 0; i < 100; i++) {
          say(`${name} stopping, step ${i}`);
          if (i % 25 === 0) await new Promise((r) => setTimeout(r, 2));
        }
      },
    });
  }
  return { app, expected };
}
