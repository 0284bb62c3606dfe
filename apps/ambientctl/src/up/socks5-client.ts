// A SOCKS5 client (RFC 1928, no authentication, CONNECT by host name) and one HTTP/1.1 GET over it: how the
// walk-through sends requests as a workload without needing curl on the machine.
import net from 'node:net';
import { splitHostPort } from './probes.js';

/** RFC 1928 §6 reply codes, as curl names them. */
export const SOCKS5_REPLIES: Readonly<Record<number, string>> = {
  0: 'succeeded',
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

export interface SocksHttpResult {
  /** The SOCKS5 reply code; 0 means the tunnel was opened. */
  readonly reply: number;
  readonly status?: number;
  readonly body?: string;
}

/** GETs `url` through the SOCKS5 proxy at `proxy`; the proxy resolves the name (socks5h). */
export async function httpGetViaSocks5(proxy: string, url: string, timeoutMs = 10_000): Promise<SocksHttpResult> {
  const target = new URL(url);
  const port = Number(target.port || 80);
  const { host, port: proxyPort } = splitHostPort(proxy);
  const socket = net.connect({ host, port: proxyPort });
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${proxy} within ${timeoutMs} ms`)));
  const reader = new ByteReader(socket);
  try {
    socket.write(Buffer.from([5, 1, 0]));
    const method = await reader.read(2);
    if (method[0] !== 5 || method[1] !== 0) throw new Error(`${proxy} is not a SOCKS5 server accepting no authentication`);
    const name = Buffer.from(target.hostname);
    socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([port >> 8, port & 0xff])]));
    const head = await reader.read(4);
    const reply = head[1] ?? 1;
    const bound = head[3] === 1 ? 4 : head[3] === 4 ? 16 : ((await reader.read(1))[0] ?? 0);
    await reader.read(bound + 2);
    if (reply !== 0) return { reply };
    socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\nuser-agent: ambientctl\r\nconnection: close\r\n\r\n`);
    const response = (await reader.rest()).toString('utf8');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0);
    const split = response.indexOf('\r\n\r\n');
    return { reply, status, body: split < 0 ? '' : response.slice(split + 4) };
  } finally {
    socket.destroy();
  }
}

/** Reads exact byte counts, or everything until the peer closes, from a socket. */
class ByteReader {
  #buffered = Buffer.alloc(0);
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => ((this.#buffered = Buffer.concat([this.#buffered, chunk])), this.#wake?.()));
    socket.on('end', () => ((this.#ended = true), this.#wake?.()));
    socket.on('error', (err) => ((this.#error = err), this.#wake?.()));
    socket.on('close', () => ((this.#ended = true), this.#wake?.()));
  }

  async read(count: number): Promise<Buffer> {
    while (this.#buffered.length < count) {
      if (this.#error) throw this.#error;
      if (this.#ended) throw new Error(`the connection closed after ${this.#buffered.length} of ${count} bytes`);
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const out = this.#buffered.subarray(0, count);
    this.#buffered = this.#buffered.subarray(count);
    return out;
  }

  async rest(): Promise<Buffer> {
    while (!this.#ended) {
      if (this.#error) throw this.#error;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    return this.#buffered;
  }
}
