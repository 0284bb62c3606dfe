// Forwarding to upstream resolvers over real loopback sockets: replies that do not count (wrong address, wrong id),
// a silent upstream skipped for the next, TCP replies in pieces, and the cap on queries in flight. The upstreams
// here are small sockets of the test's own: the real resolver (dnsmasq) is in dns-proxy.test.ts.
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { forwarder } from '../../src/dns/forward.js';

const HOST = '127.0.53.9';
const QUERY = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

async function udpUpstream(onQuery: (query: Buffer, reply: (bytes: Buffer) => void) => void): Promise<number> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (query, from) => onQuery(query, (bytes) => socket.send(bytes, from.port, from.address)));
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  closers.push(() => socket.close());
  return socket.address().port;
}

const replyTo = (query: Buffer, marker: number): Buffer => Buffer.from([query[0] ?? 0, query[1] ?? 0, 0x81, 0x80, marker]);

describe('forwarder', () => {
  it('takes the upstream reply with the query id, ignoring one with another id and one from another address', async () => {
    const intruder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => intruder.bind(0, '127.0.53.10', resolve));
    closers.push(() => intruder.close());
    const port = await udpUpstream((query, reply) => {
      reply(Buffer.from([0xff, 0xff, 0x81, 0x80, 1]));
      setTimeout(() => reply(replyTo(query, 2)), 20);
    });
    const forward = forwarder([{ host: HOST, port }]);
    const pending = forward(QUERY, 'udp');
    expect([...(await pending)]).toEqual([0x12, 0x34, 0x81, 0x80, 2]);
  });

  it('tries the next upstream when one stays silent, and names each failure when all do', async () => {
    const silent = await udpUpstream(() => undefined);
    const good = await udpUpstream((query, reply) => reply(replyTo(query, 7)));
    expect((await forwarder([{ host: HOST, port: silent }, { host: HOST, port: good }], { timeoutMs: 100 })(QUERY, 'udp'))[4]).toBe(7);
    await expect(forwarder([{ host: HOST, port: silent }], { timeoutMs: 100 })(QUERY, 'udp')).rejects.toThrow(`no upstream resolver answered over UDP (${HOST}:${silent}: no reply within 100 ms)`);
  });

  it('reads a TCP reply that arrives in pieces, and names a connection closed without one', async () => {
    const server = net.createServer((socket) => {
      socket.once('data', (frame: Buffer) => {
        const query = frame.subarray(2);
        if (query[0] === 0) return void socket.end();
        const reply = replyTo(query, 9);
        socket.write(Buffer.from([0]));
        setTimeout(() => socket.write(Buffer.concat([Buffer.from([reply.length]), reply.subarray(0, 2)])), 10);
        setTimeout(() => socket.end(reply.subarray(2)), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    closers.push(() => server.close());
    const upstream = { host: HOST, port: (server.address() as net.AddressInfo).port };
    expect([...(await forwarder([upstream])(QUERY, 'tcp'))]).toEqual([0x12, 0x34, 0x81, 0x80, 9]);
    const zeroId = Buffer.from(QUERY);
    zeroId[0] = 0;
    await expect(forwarder([upstream])(zeroId, 'tcp')).rejects.toThrow('closed the connection before replying');
  });

  it('refuses more queries in flight than its cap, and takes them again once those are answered', async () => {
    const held: (() => void)[] = [];
    const port = await udpUpstream((query, reply) => held.push(() => reply(replyTo(query, 1))));
    const forward = forwarder([{ host: HOST, port }], { maxInFlight: 2 });
    const first = [forward(QUERY, 'udp'), forward(QUERY, 'udp')];
    await expect(forward(QUERY, 'udp')).rejects.toThrow('2 queries are already waiting for an upstream resolver');
    while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    held.forEach((release) => release());
    await Promise.all(first);
    const again = forward(QUERY, 'udp');
    while (held.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    held[2]?.();
    expect((await again)[4]).toBe(1);
  });
});
