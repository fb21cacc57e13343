import { WebSocket } from 'ws';

export interface FeedClients {
  /** Processed orders received, per client. */
  readonly received: string[][];
  /** Each client's close code, once its connection closed (1006: closed without a close frame). */
  readonly closeCodes: Promise<number[]>;
}

/** `n` WebSocket clients subscribed to the service's order feed, each collecting what it is sent. */
export async function connectFeedClients(port: number, path: string, n: number): Promise<FeedClients> {
  const received: string[][] = [];
  const closes: Promise<number>[] = [];
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
      received[i] = [];
      ws.on('message', (data) => received[i]!.push(String(data)));
      ws.on('error', () => {});
      closes[i] = new Promise((r) => ws.once('close', (code) => r(code)));
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    }),
  );
  return { received, closeCodes: Promise.all(closes) };
}
