// A minimal SOCKS5 client for tests (no auth, CONNECT by name or IPv4): the socket and the server's reply code.
import net from 'node:net';
import type { Duplex } from 'node:stream';

export interface SocksResult {
  readonly reply: number;
  readonly socket: net.Socket;
}

/** Connects through the SOCKS5 server at proxy to host:port; resolves once the reply arrived. */
export function socksConnect(proxy: { host: string; port: number }, host: string, port: number, localAddress?: string): Promise<SocksResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port, ...(localAddress ? { localAddress } : {}) });
    let buffered = Buffer.alloc(0);
    let stage: 'method' | 'reply' = 'method';
    socket.once('error', reject);
    socket.on('close', () => reject(new Error(`SOCKS5 server closed during the ${stage} after ${buffered.length} bytes`)));
    socket.write(Buffer.from([5, 1, 0]));
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (stage === 'method') {
        if (buffered.length < 2) return;
        if (buffered[1] !== 0) return reject(new Error(`SOCKS5 method ${buffered[1]}`));
        buffered = buffered.subarray(2);
        stage = 'reply';
        const isIp = net.isIPv4(host);
        const address = isIp ? Buffer.from([1, ...host.split('.').map(Number)]) : Buffer.concat([Buffer.from([3, host.length]), Buffer.from(host)]);
        socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address, Buffer.from([port >> 8, port & 0xff])]));
      }
      if (stage === 'reply' && buffered.length >= 10) {
        socket.off('data', onData);
        socket.removeAllListeners('close');
        socket.removeAllListeners('error');
        socket.on('error', () => undefined);
        const rest = buffered.subarray(10);
        if (rest.length > 0) socket.unshift(rest);
        resolve({ reply: buffered[1] ?? -1, socket });
      }
    };
    socket.on('data', onData);
  });
}

/** Writes `text` to a socket or tunnel and reads until `expected` bytes came back. */
export function roundTrip(socket: Duplex, text: string, expected = text.length): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length >= expected) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(got)}`)));
    socket.write(text);
  });
}
