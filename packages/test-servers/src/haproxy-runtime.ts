// HAProxy's runtime API over its admin socket: one command per connection, and the parse of
// `show servers state`.
import net from 'node:net';

/** One backend as the runtime API reports it (`show servers state`). */
export interface BackendState {
  name: string;
  port: number;
  /** UP: passing its health checks and routed to; DOWN otherwise (incl. maintenance). */
  status: 'UP' | 'DOWN';
}

/** One command in the runtime API's non-interactive mode: HAProxy answers and closes. */
export function runtimeCommand(socket: string, cmd: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socket);
    let out = '';
    conn.setTimeout(timeoutMs, () => conn.destroy(new Error(`haproxy runtime API: no answer to "${cmd}" within ${timeoutMs} ms`)));
    conn.on('connect', () => conn.write(`${cmd}\n`));
    conn.on('data', (c: Buffer) => (out += c.toString('utf8')));
    conn.on('error', reject);
    conn.on('close', () => resolve(out));
  });
}

// `show servers state` prints a format version line, a `# be_id be_name …` header, then one row per
// server. srv_op_state 2 is SRV_ST_RUNNING; any admin state other than 0 (maintenance, drain) is not routed.
export function parseServersState(text: string): BackendState[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('#'))?.slice(1).trim().split(/\s+/) ?? [];
  const col = (name: string) => header.indexOf(name);
  return lines
    .filter((l) => !l.startsWith('#') && l.split(/\s+/).length >= header.length && header.length > 0)
    .map((l) => {
      const f = l.trim().split(/\s+/);
      const up = f[col('srv_op_state')] === '2' && f[col('srv_admin_state')] === '0';
      return { name: f[col('srv_name')]!, port: Number(f[col('srv_port')]), status: up ? 'UP' : 'DOWN' } as const;
    });
}
