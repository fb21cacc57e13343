// The clients of test/conformance-suite.test.ts, in a process of their own so that the suite can
// freeze and kill them by pid. Reads one JSON request a line on stdin, answers one JSON line on
// stdout with the same id:
//   { op: 'get', port, path } → { ok: true, value: { status, connection, bytes, tail } } once the
//   whole response arrived (a new connection per request), or { ok: false, error } when the
//   request failed (refused, reset, ended early), with what had arrived by then.
import http from 'node:http';
import readline from 'node:readline';

const answer = (id, result) => process.stdout.write(`${JSON.stringify({ id, ...result })}\n`);

function get({ port, path }) {
  return new Promise((resolve) => {
    let bytes = 0;
    let tail = Buffer.alloc(0);
    let status;
    let settled = false;
    const done = (result) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const failed = (error) => done({ ok: false, error: `${error.code ?? error.message} after ${bytes} bytes of status ${status ?? 'none'}` });
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      status = res.statusCode;
      res.on('data', (chunk) => {
        bytes += chunk.length;
        tail = Buffer.concat([tail, chunk]).subarray(-8);
      });
      res.on('end', () => done({ ok: true, value: { status, connection: res.headers.connection, bytes, tail: tail.toString('latin1') } }));
      res.on('error', failed);
      res.on('aborted', () => failed(new Error('aborted')));
      res.on('close', () => failed(new Error('closed before the end')));
    });
    req.on('error', failed);
  });
}

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const request = JSON.parse(line);
  if (request.op === 'get') answer(request.id, await get(request));
  else answer(request.id, { ok: false, error: `unknown op ${request.op}` });
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
