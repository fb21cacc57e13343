// The clients of test/conformance.test.ts, in a process of their own so that the suite can freeze
// and kill them by pid. Reads one JSON request a line on stdin, answers one JSON line on stdout
// with the same id:
//   { op: 'unary', port, method, request } → one call on a client of its own (JSON on the wire,
//   as test/support.ts): { ok: true, value: <the answer> }, or { ok: false, error: '<code> <details>' }.
import readline from 'node:readline';
import * as grpc from '@grpc/grpc-js';

const json = { requestSerialize: (v) => Buffer.from(JSON.stringify(v)), requestDeserialize: (b) => JSON.parse(b), responseSerialize: (v) => Buffer.from(JSON.stringify(v)), responseDeserialize: (b) => JSON.parse(b) };
const method = (name) => ({ path: `/test.Orders/${name}`, requestStream: false, responseStream: false, ...json });
const Client = grpc.makeGenericClientConstructor({ place: method('Place'), hang: method('Hang') }, 'Orders');
const answer = (id, result) => process.stdout.write(`${JSON.stringify({ id, ...result })}\n`);

function unary({ port, method: name, request }) {
  // A channel of its own (no shared subchannel): each call's connection is its own.
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  return new Promise((resolve) =>
    client[name](request, (error, value) => {
      client.close();
      resolve(error ? { ok: false, error: `${grpc.status[error.code] ?? error.code} ${error.details}` } : { ok: true, value });
    }),
  );
}

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const request = JSON.parse(line);
  if (request.op === 'unary') answer(request.id, await unary(request));
  else answer(request.id, { ok: false, error: `unknown op ${request.op}` });
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
