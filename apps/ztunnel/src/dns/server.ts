// The DNS proxy's listeners on one address: UDP and TCP on the same port (RFC 7766: a client retries a truncated
// UDP answer over TCP). TCP carries messages with a 2-byte length prefix; a connection may send several, answered
// in order, and is closed when idle or when a frame is empty (no DNS message is).
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '@ambient/core';
import { ZtunnelError } from '../errors.js';
import type { DnsProtocol } from './answer.js';
import { tcpFrame } from './wire.js';

/** The reply to one message from `remote` (undefined: none). Must not reject. */
export type DnsHandler = (message: Buffer, protocol: DnsProtocol, remote: { address: string; port: number }) => Promise<Buffer | undefined>;

/** An idle TCP client is closed after this long. */
export const TCP_IDLE_MS = 10_000;

export class DnsServer {
  readonly #udp: dgram.Socket;
  readonly #tcp: net.Server;
  readonly #clients: Set<net.Socket>;

  private constructor(udp: dgram.Socket, tcp: net.Server, clients: Set<net.Socket>) {
    this.#udp = udp;
    this.#tcp = tcp;
    this.#clients = clients;
  }

  /**
   * Binds TCP then UDP on host:port (port 0: one free port for both). On failure nothing stays bound. An IPv6 host
   * takes IPv6 only ('::' beside an IPv4 listener on '0.0.0.0').
   */
  static async listen(host: string, port: number, handler: DnsHandler, log: Logger): Promise<DnsServer> {
    const clients = new Set<net.Socket>();
    const tcp = net.createServer({ noDelay: true }, (socket) => serveTcp(socket, handler, clients, log));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', (err) => reject(listenError('TCP', host, port, err)));
      tcp.listen({ port, host, ipv6Only: net.isIPv6(host) }, () => resolve());
    });
    const bound = (tcp.address() as net.AddressInfo).port;
    const udp = net.isIPv6(host) ? dgram.createSocket({ type: 'udp6', ipv6Only: true }) : dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', (err) => reject(listenError('UDP', host, bound, err)));
        udp.bind(bound, host, () => resolve());
      });
    } catch (err) {
      tcp.close();
      udp.close();
      throw err;
    }
    udp.on('error', (err) => log.warn({ err: err.message }, 'DNS UDP socket error'));
    let open = true;
    udp.once('close', () => (open = false));
    udp.on('message', (message, remote) => {
      handler(message, 'udp', remote).then(
        // A reply whose upstream answered after close() has nowhere to go.
        (reply) => reply && open && udp.send(reply, remote.port, remote.address),
        (err: Error) => log.error({ err: err.message, client: remote.address }, 'DNS query failed in ztunnel'),
      );
    });
    return new DnsServer(udp, tcp, clients);
  }

  /** Stops both listeners and closes TCP clients (DNS exchanges are short: nothing to drain). */
  async close(): Promise<void> {
    for (const socket of this.#clients) socket.destroy();
    await Promise.all([new Promise((resolve) => this.#tcp.close(resolve)), new Promise<void>((resolve) => this.#udp.close(() => resolve()))]);
  }
}

function serveTcp(socket: net.Socket, handler: DnsHandler, clients: Set<net.Socket>, log: Logger): void {
  clients.add(socket);
  socket.once('close', () => clients.delete(socket));
  socket.on('error', () => undefined);
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  const remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  let buffered: Buffer = Buffer.alloc(0);
  // Replies go out in the order the queries came.
  let last: Promise<void> = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const length = buffered.readUInt16BE(0);
      if (length === 0) {
        log.debug({ client: remote.address }, 'DNS over TCP: empty frame; closing');
        socket.destroy();
        return;
      }
      if (buffered.length < 2 + length) return;
      const message = buffered.subarray(2, 2 + length);
      buffered = buffered.subarray(2 + length);
      const reply = handler(message, 'tcp', remote);
      last = last
        .then(async () => {
          const bytes = await reply;
          if (!bytes || socket.destroyed) return;
          socket.write(tcpFrame(bytes));
        })
        .catch((err: Error) => {
          log.error({ err: err.message, client: remote.address }, 'DNS query failed in ztunnel');
          socket.destroy();
        });
    }
  });
  socket.on('end', () => void last.then(() => socket.end()));
}

function listenError(transport: string, host: string, port: number, err: Error): ZtunnelError {
  return new ZtunnelError('ZTUNNEL_ERR_LISTEN', `cannot listen for DNS over ${transport} on ${host}:${port}: ${err.message}`, { cause: err });
}
