// SOCKS5 as a measuring client speaks it to ztunnel: greeting and CONNECT in one write (ztunnel's handshake accepts
// them together), then the 2-byte method reply and the 10-byte IPv4 reply; the socket is ready after that.
import net from 'node:net';
import type { Dial } from '@ambient/hbone/testing';

/** The greeting (no authentication) and a CONNECT to an IPv4 destination, as one buffer. */
export function socksRequest(destination: { host: string; port: number }): Buffer {
  const ip = destination.host.split('.').map(Number);
  return Buffer.from([5, 1, 0, 5, 1, 0, 1, ...ip, destination.port >> 8, destination.port & 0xff]);
}

const REPLY_BYTES = 2 + 10;

/** Completes the exchange on a connected socket: resolves once the reply says 0x00, rejects on any other reply. */
export function socksExchange(socket: net.Socket, request: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (got.length < REPLY_BYTES) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.pause();
      if (got.length > REPLY_BYTES) socket.unshift(got.subarray(REPLY_BYTES));
      if (got[1] !== 0 || got[3] !== 0) reject(new Error(`SOCKS5 refused: method 0x${got[1]?.toString(16)}, reply 0x${got[3]?.toString(16)}`));
      else resolve();
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(request);
  });
}

/** A Dial through the SOCKS5 listener at `proxy` to `destination`. */
export function socksDial(proxy: { host: string; port: number }, destination: { host: string; port: number }): Dial {
  const request = socksRequest(destination);
  return async () => {
    const socket = net.connect({ host: proxy.host, port: proxy.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    await socksExchange(socket, request);
    socket.resume();
    return socket;
  };
}
