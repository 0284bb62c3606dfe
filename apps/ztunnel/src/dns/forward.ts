// Queries that are not for mesh names go to the upstream resolvers as they came, over the transport the client
// used (a truncated UDP reply makes the client retry over TCP, and that retry is forwarded over TCP). Upstreams
// are tried in order; a UDP reply counts only from the upstream's own address and with the query's ID.
import dgram from 'node:dgram';
import net from 'node:net';
import type { HostPort } from '@ambient/core';
import type { DnsProtocol } from './answer.js';
import { tcpFrame } from './wire.js';

/** How long one upstream may take before the next is tried. */
export const UPSTREAM_TIMEOUT_MS = 2_500;
/**
 * Queries waiting for an upstream at once, each holding a socket: a flood of queries for names outside the mesh
 * (or a dead upstream) gets SERVFAIL beyond this rather than exhausting file descriptors.
 */
export const MAX_IN_FLIGHT = 512;

export interface ForwarderOptions {
  readonly timeoutMs?: number;
  readonly maxInFlight?: number;
}

/** A forward function for answerDns over `upstreams` (at least one). */
export function forwarder(upstreams: readonly HostPort[], options: ForwarderOptions = {}): (query: Uint8Array, protocol: DnsProtocol) => Promise<Buffer> {
  const { timeoutMs = UPSTREAM_TIMEOUT_MS, maxInFlight = MAX_IN_FLIGHT } = options;
  let inFlight = 0;
  return async (query, protocol) => {
    if (inFlight >= maxInFlight) throw new Error(`${maxInFlight} queries are already waiting for an upstream resolver`);
    inFlight += 1;
    try {
      const failures: string[] = [];
      for (const upstream of upstreams) {
        try {
          return await (protocol === 'udp' ? exchangeUdp : exchangeTcp)(upstream, query, timeoutMs);
        } catch (err) {
          failures.push(`${hostPortText(upstream)}: ${(err as Error).message}`);
        }
      }
      throw new Error(`no upstream resolver answered over ${protocol.toUpperCase()} (${failures.join('; ')})`);
    } finally {
      inFlight -= 1;
    }
  };
}

export function exchangeUdp(upstream: HostPort, query: Uint8Array, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(upstream.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    const finish = (err: Error | undefined, reply?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply as Buffer);
    };
    socket.on('message', (reply, from) => {
      if (from.address !== upstream.host || from.port !== upstream.port) return;
      if (reply.length < 2 || reply[0] !== query[0] || reply[1] !== query[1]) return;
      finish(undefined, reply);
    });
    socket.once('error', (err) => finish(err));
    socket.send(query, upstream.port, upstream.host);
  });
}

export function exchangeTcp(upstream: HostPort, query: Uint8Array, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: upstream.host, port: upstream.port, noDelay: true });
    let received = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => finish(new Error(`no reply within ${timeoutMs} ms`)));
    const finish = (err: Error | undefined, reply?: Buffer): void => {
      socket.destroy();
      if (err) reject(err);
      else resolve(reply as Buffer);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const length = received.readUInt16BE(0);
      if (received.length >= 2 + length) finish(undefined, received.subarray(2, 2 + length));
    });
    socket.once('end', () => finish(new Error('closed the connection before replying')));
    socket.once('error', (err) => finish(err));
    socket.write(tcpFrame(query));
  });
}

function hostPortText({ host, port }: HostPort): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
