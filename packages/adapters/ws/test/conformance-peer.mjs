// The clients of test/conformance.test.ts, in a process of their own so that the suite can freeze
// and kill them by pid. Reads one JSON request a line on stdin, answers one JSON line on stdout
// with the same id:
//   { op: 'ws', port, message } → a new WebSocket to ws://127.0.0.1:<port>/ that sends `message`
//   once open; once its socket closed: { ok: true, value: { replies, closeCode } }, or
//   { ok: false, error } when the upgrade was refused or failed.
import readline from 'node:readline';
import { WebSocket } from 'ws';

const answer = (id, result) => process.stdout.write(`${JSON.stringify({ id, ...result })}\n`);

function exchange({ port, message }) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const replies = [];
    let opened = false;
    let failure;
    ws.on('unexpected-response', (_req, res) => {
      failure = `upgrade answered ${res.statusCode}`;
      res.resume();
      ws.terminate();
    });
    ws.on('error', (error) => (failure ??= error.code ?? error.message));
    ws.on('open', () => {
      opened = true;
      ws.send(JSON.stringify(message));
    });
    ws.on('message', (data) => replies.push(String(data)));
    ws.on('close', (closeCode) => resolve(opened ? { ok: true, value: { replies, closeCode } } : { ok: false, error: failure ?? `closed (${closeCode}) before it opened` }));
  });
}

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const request = JSON.parse(line);
  if (request.op === 'ws') answer(request.id, await exchange(request));
  else answer(request.id, { ok: false, error: `unknown op ${request.op}` });
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
