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

export interface Socks5Tunnel {
  /** The SOCKS5 reply code; 0 means the tunnel was opened. */
  readonly reply: number;
  /** The connection, carrying the tunnel when reply is 0; paused, so no byte is lost before the caller reads
   * (call resume() or attach a reader); the caller owns and ends it. */
  readonly socket: net.Socket;
}

/** Opens a SOCKS5 CONNECT by name through `proxy` (the proxy resolves it, as socks5h); optionally from `localAddress`. */
export async function openSocks5Tunnel(
  proxy: string,
  hostname: string,
  port: number,
  options: { readonly localAddress?: string; readonly timeoutMs?: number } = {},
): Promise<Socks5Tunnel> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { host, port: proxyPort } = splitHostPort(proxy);
  const socket = net.connect({ host, port: proxyPort, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${proxy} within ${timeoutMs} ms`)));
  const reader = new ByteReader(socket);
  try {
    socket.write(Buffer.from([5, 1, 0]));
    const method = await reader.read(2);
    if (method[0] !== 5 || method[1] !== 0) throw new Error(`${proxy} is not a SOCKS5 server accepting no authentication`);
    const name = Buffer.from(hostname);
    socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([port >> 8, port & 0xff])]));
    const head = await reader.read(4);
    const reply = head[1] ?? 1;
    const bound = head[3] === 1 ? 4 : head[3] === 4 ? 16 : ((await reader.read(1))[0] ?? 0);
    await reader.read(bound + 2);
    reader.release();
    socket.setTimeout(0);
    return { reply, socket };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/** GETs `url` through the SOCKS5 proxy at `proxy`; the proxy resolves the name (socks5h). */
export async function httpGetViaSocks5(proxy: string, url: string, timeoutMs = 10_000): Promise<SocksHttpResult> {
  const target = new URL(url);
  const { reply, socket } = await openSocks5Tunnel(proxy, target.hostname, Number(target.port || 80), { timeoutMs });
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${proxy} within ${timeoutMs} ms`)));
  const reader = new ByteReader(socket);
  try {
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

  readonly #socket: net.Socket;
  readonly #onData = (chunk: Buffer): void => ((this.#buffered = Buffer.concat([this.#buffered, chunk])), this.#wake?.());
  readonly #onEnd = (): void => ((this.#ended = true), this.#wake?.());
  readonly #onError = (err: Error): void => ((this.#error = err), this.#wake?.());

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onEnd);
    socket.resume();
  }

  /** Stops reading and gives unread bytes back to the socket, so the next reader sees them first. */
  release(): void {
    this.#socket.pause();
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('error', this.#onError);
    this.#socket.off('close', this.#onEnd);
    if (this.#buffered.length > 0) this.#socket.unshift(this.#buffered);
    this.#buffered = Buffer.alloc(0);
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
