import { constants, createWriteStream, openSync } from 'node:fs';
import { LifecycleContainer } from '@quiesce/core';
import { conformance, startPeer, type PeerProcess } from '@quiesce/test-servers/conformance';
import pino from 'pino';
import { PassThrough } from 'node:stream';
import { flushable, flushableModule, pinoLogger } from '../src/index.js';

/**
 * The adapter contract (issue #27) for a log stream, once per kind of destination, each writing
 * into a FIFO read by a log shipper in a process of its own (fixtures/fifo-reader-peer.mjs), which
 * the suite freezes and kills. One unit of work is a burst of lines (~200 KiB, more than the pipe
 * holds) the reader takes `ms` to start reading: when the shutdown begins they are still buffered
 * in the stream; done in full once the reader has every one of them.
 */
interface Held {
  log(msg: string): void;
  /** The destination's 'close': it was ended or cut. */
  readonly closed: Promise<void>;
}

type Kind = 'pino.destination' | 'fs.WriteStream' | 'pino.transport';

const LINES = 200;
const PAD = 'x'.repeat(1_000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let works = 0;

/** A write end of the FIFO that does not block the writer: pino.destination() then meets EAGAIN on a full pipe, which a cut ends. */
async function openNonBlocking(file: string): Promise<number> {
  for (const end = Date.now() + 5_000; ; await sleep(10)) {
    try {
      return openSync(file, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      // ENXIO: the reader's open(2) has not begun yet.
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > end) throw error;
    }
  }
}

async function destination(kind: Kind, file: string): Promise<{ log(msg: string): void; stream: object; register: (app: LifecycleContainer, stopTimeoutMs: number) => void }> {
  if (kind === 'fs.WriteStream') {
    const stream = createWriteStream(file);
    await new Promise((resolve, reject) => stream.once('open', resolve).once('error', reject));
    return { stream, log: (msg) => stream.write(`${JSON.stringify({ msg })}\n`), register: (app, stopTimeoutMs) => void app.resource('log', flushable({ stream, stopTimeoutMs })) };
  }
  const stream =
    kind === 'pino.destination'
      ? pino.destination({ dest: await openNonBlocking(file), sync: false })
      : pino.transport({ target: 'pino/file', options: { destination: file } });
  if (kind === 'pino.transport') await new Promise((resolve) => stream.once('ready', resolve));
  const logger = pino(stream);
  return { stream, log: (msg) => logger.info(msg), register: (app, stopTimeoutMs) => void app.resource('log', pinoLogger({ logger, stopTimeoutMs })) };
}

/** Why a pipe nobody reads cannot be cut for a writer whose fd blocks (docs/PITFALLS.md, pino / sonic-boom). */
const BLOCKING =
  "its writes go to a FIFO opened by path, which blocks: a write(2) parked in the kernel on a full pipe nobody reads returns only when the pipe is read, and nothing in Node ends it (not destroy(), not worker.terminate(), not process.exit()); the report says what was left, and the frozen case shows the cut once the reader resumes. A pino.destination() on a non-blocking fd is cut (that suite)";
const NOT_NEW_WORK =
  "a log stream has no 'new work' to refuse: writes after the shutdown request are still accepted and flushed while the node stops; after its end they are refused and counted (README, 'Writes after the shutdown request')";

for (const kind of ['pino.destination', 'fs.WriteStream', 'pino.transport'] as const) {
  conformance<Held, PeerProcess>({
    adapter: `flush (${kind})`,
    node: 'log',
    startServer: () => startPeer(new URL('./fixtures/fifo-reader-peer.mjs', import.meta.url)),
    startApp: async (reader, { stopTimeoutMs, shutdownTimeoutMs }) => {
      const file = await reader.call<string>({ op: 'open' });
      const { stream, log, register } = await destination(kind, file);
      const closed = new Promise<void>((resolve) => (stream as PassThrough).once('close', () => resolve()));
      const app = new LifecycleContainer({ shutdownTimeoutMs });
      register(app, stopTimeoutMs);
      await app.start();
      return { app, resource: { log, closed } };
    },
    work: async (held, reader, ms) => {
      const id = `w${++works}`;
      held.log(`${id} pause ${ms}`);
      for (let i = 0; i < LINES; i++) held.log(`${id} ${i} ${PAD}`);
      return reader.call<number>({ op: 'received', work: id, n: LINES });
    },
    completed: (count) => count === LINES,
    // A reader that stops reading for good: what is buffered can never be written; the cut ends it (the destination closes).
    hang: async (held) => {
      const id = `w${++works}`;
      held.log(`${id} stall`);
      for (let i = 0; i < LINES; i++) held.log(`${id} ${i} ${PAD}`);
      return held.closed;
    },
    notApplicable: { refusesNew: NOT_NEW_WORK, ...(kind === 'pino.destination' ? {} : { force: `${kind}: ${BLOCKING}` }) },
    // Its writes are fs requests (a libuv threadpool request each, in flight until write(2) returns).
    handleKinds: ['FSReqCallback'],
    badOptions: [
      { options: () => flushable({ stream: { write() {} } }), field: 'stream' },
      { options: () => flushable({ stream: new PassThrough(), fsync: 'yes' as never }), field: 'fsync' },
      { options: () => flushableModule({ stream: new PassThrough(), token: 1 as never }), field: 'token' },
      { options: () => pinoLogger({ logger: {} }), field: 'logger' },
      { options: () => pinoLogger({ logger: pino(new PassThrough()), stopTimeoutMs: -1 }), field: 'stopTimeoutMs' },
    ],
  });
}

