// How `pnpm example` passes Ctrl-C to the service exactly once per key press.
import type { ChildProcess } from 'node:child_process';

/**
 * Under `pnpm run` one Ctrl-C arrives twice: the terminal signals the whole foreground process
 * group (us included), and pnpm, which is in that group too, forwards its own copy to its child
 * (us) a few ms later. The service runs in its own process group, so it hears only what we relay;
 * relaying both would be a "second signal" and force its exit (130). Signals of one kind within
 * `windowMs` of the last relayed one are therefore one key press. A second Ctrl-C later than
 * that is relayed: the service's force path, as documented.
 */
export function relaySignals(child: ChildProcess, windowMs = 300, now: () => number = () => performance.now()): () => void {
  const last = new Map<NodeJS.Signals, number>();
  const relay = (signal: NodeJS.Signals): void => {
    const at = now();
    const previous = last.get(signal);
    if (previous !== undefined && at - previous < windowMs) return;
    last.set(signal, at);
    child.kill(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const signal of signals) process.on(signal, relay);
  return () => {
    for (const signal of signals) process.off(signal, relay);
  };
}

/**
 * Pass the service's stdout through unchanged and resolve with the URL from its "listening on …"
 * line (undefined if it ends without one), so the demo's hints come after the service is up.
 */
export function watchListening(child: ChildProcess, out: NodeJS.WritableStream = process.stdout): Promise<string | undefined> {
  return new Promise((resolve) => {
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const url = /^listening on (http:\/\/\S+)/.exec(line)?.[1];
        if (url !== undefined) resolve(url);
      }
    });
    child.once('exit', () => resolve(undefined));
  });
}
