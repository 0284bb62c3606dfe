// Small real peers for the tests: a TCP echo server and a helper that reads a stream to its end.
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface EchoServer {
  readonly port: number;
  /** Bytes every connection has received so far (to prove none arrived). */
  readonly received: () => number;
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Echoes what it reads and half-closes after the client does (allowHalfOpen, like a real service). */
export async function startEcho(host = '127.0.0.1'): Promise<EchoServer> {
  let received = 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('data', (d) => (received += d.length));
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received: () => received,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `payload`, half-closes, and resolves with everything read until the peer's end. */
export async function roundTrip(stream: Duplex, payload: Buffer | string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('error', reject);
  });
  stream.end(payload);
  await ended;
  return Buffer.concat(chunks);
}
