// Large-read sockets, dialled (dialTcp) or accepted (adoptLargeReads): every byte arrives in order through splice,
// early bytes are kept, half-close still propagates, and a socket that cannot move keeps 'data' events.
import { createHash, randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Duplex, PassThrough } from 'node:stream';
import { expect, it, vi } from 'vitest';
import { adoptLargeReads, dialTcp, splice } from '../src/index.js';
import { createTestPki } from './pki.js';

async function server(onSocket: (s: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  const srv = net.createServer({ allowHalfOpen: true }, onSocket);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as AddressInfo).port, close: () => srv.close() };
}

/** A stand-in for a tunnel stream: `up` is what the tunnel delivers to the target, `down` what comes back. */
function tunnelEnds() {
  const up = new PassThrough();
  const down = new PassThrough();
  const received: Buffer[] = [];
  down.on('data', (c: Buffer) => received.push(c));
  return { up, down, received, stream: Duplex.from({ readable: up, writable: down }) };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

it('delivers a large download intact, with bytes sent before splice attached, then the FIN', async () => {
  const payload = randomBytes(8 * 1024 * 1024 + 123);
  const target = await server((s) => {
    s.write('banner\n');
    setTimeout(() => s.end(payload), 50);
  });
  const socket = await dialTcp({ host: '127.0.0.1', port: target.port });
  await new Promise((r) => setTimeout(r, 20)); // the banner arrives before anyone consumes
  const t = tunnelEnds();
  const done = splice(socket, t.stream);
  await new Promise((r) => t.down.once('end', r));
  t.up.end(); // our direction ends too
  const result = await done;
  expect(result.error).toBeUndefined();
  const all = Buffer.concat(t.received);
  expect(all.subarray(0, 7).toString()).toBe('banner\n');
  expect(sha(all.subarray(7))).toBe(sha(payload));
  expect(result.aToB).toBe(payload.length + 7);
  target.close();
});

it('carries many small writes both ways in order (an echo target)', async () => {
  const target = await server((s) => s.pipe(s));
  const socket = await dialTcp({ host: '127.0.0.1', port: target.port });
  const t = tunnelEnds();
  const done = splice(socket, t.stream);
  const lines = Array.from({ length: 500 }, (_, i) => `line ${i}\n`);
  for (const line of lines) t.up.write(line);
  t.up.end();
  await new Promise((r) => t.down.once('end', r));
  expect((await done).error).toBeUndefined();
  expect(Buffer.concat(t.received).toString()).toBe(lines.join(''));
  target.close();
});

it('rejects with the socket error when nothing listens', async () => {
  await expect(dialTcp({ host: '127.0.0.1', port: 1 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
});

/** Accepts one connection on loopback and hands it over with the client socket that dialled it. */
async function acceptedPair(): Promise<{ accepted: net.Socket; client: net.Socket; close: () => void }> {
  let accepted!: (s: net.Socket) => void;
  const got = new Promise<net.Socket>((r) => (accepted = r));
  const target = await server((s) => accepted(s));
  const client = net.connect({ host: '127.0.0.1', port: target.port, allowHalfOpen: true });
  return { accepted: await got, client, close: target.close };
}

it('moves an accepted socket to large reads: an 8 MiB upload arrives intact in reads over 64 KiB, then the FIN', async () => {
  const { accepted, client, close } = await acceptedPair();
  expect(adoptLargeReads(accepted)).toBe(true);
  const t = tunnelEnds();
  const sizes = () => t.received.map((c) => c.length);
  const done = splice(accepted, t.stream);
  const payload = randomBytes(8 * 1024 * 1024 + 77);
  client.end(payload);
  await new Promise((r) => t.down.once('end', r));
  t.up.end('bye'); // the way back still works after the client's FIN
  const back = await new Promise<Buffer>((resolve) => {
    const parts: Buffer[] = [];
    client.on('data', (c: Buffer) => parts.push(c)).once('end', () => resolve(Buffer.concat(parts)));
  });
  const result = await done;
  expect(result.error).toBeUndefined();
  expect(sha(Buffer.concat(t.received))).toBe(sha(payload));
  expect(back.toString()).toBe('bye');
  expect(Math.max(...sizes())).toBeGreaterThan(64 * 1024);
  close();
});

it('keeps an accepted socket that already read bytes on data events, losing none', async () => {
  const { accepted, client, close } = await acceptedPair();
  accepted.pause();
  client.write('early ');
  await new Promise((r) => setTimeout(r, 30));
  // Bytes already read: the socket stays on 'data' events, and nothing is lost.
  expect(adoptLargeReads(accepted)).toBe(false);
  const t = tunnelEnds();
  const done = splice(accepted, t.stream);
  accepted.resume(); // as ztunnel does after its SOCKS5 handshake paused the socket
  client.end('late');
  await new Promise((r) => t.down.once('end', r));
  t.up.end();
  expect((await done).error).toBeUndefined();
  expect(Buffer.concat(t.received).toString()).toBe('early late');
  close();
});

it('pauses a moved socket under backpressure and reads on after resume', async () => {
  const { accepted, client, close } = await acceptedPair();
  expect(adoptLargeReads(accepted)).toBe(true);
  const t = tunnelEnds();
  t.down.pause(); // a slow tunnel: splice must pause the accepted socket once 1 MiB waits
  const done = splice(accepted, t.stream);
  const payload = randomBytes(16 * 1024 * 1024);
  client.end(payload);
  await new Promise((r) => setTimeout(r, 100));
  // Backpressure held: splice stopped at about 1 MiB waiting instead of reading all 16 MiB into memory.
  expect(t.down.writableLength).toBeLessThan(4 * 1024 * 1024);
  t.down.resume();
  await new Promise((r) => t.down.once('end', r));
  t.up.end();
  expect((await done).error).toBeUndefined();
  expect(sha(Buffer.concat(t.received))).toBe(sha(payload));
  close();
});

it('leaves TLS sockets, still-connecting sockets and sockets of other kinds on data events', async () => {
  const pki = createTestPki();
  const leaf = pki.leaf('spiffe://cluster.local/ns/a/sa/a');
  const srv = tls.createServer({ key: leaf.key, cert: leaf.cert }, (s) => s.end('hi'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const secure = tls.connect({ host: '127.0.0.1', port: (srv.address() as AddressInfo).port, rejectUnauthorized: false });
  expect(adoptLargeReads(secure)).toBe(false);
  const hi = await new Promise<string>((r) => secure.once('data', (c: Buffer) => r(c.toString())));
  expect(hi).toBe('hi');
  secure.destroy();
  srv.close();
  pki.cleanup();
  const connecting = net.connect({ host: '127.0.0.1', port: 1 });
  connecting.on('error', () => undefined);
  expect(adoptLargeReads(connecting)).toBe(false);
});

it('reuses read buffers once written: 32 MiB between two TCP sockets arrive intact from a few 1 MiB buffers', async () => {
  const payload = randomBytes(32 * 1024 * 1024);
  const source = await server((s) => s.end(payload));
  let received!: (b: Buffer) => void;
  const sunk = new Promise<Buffer>((r) => (received = r));
  const sink = await server((s) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c)).once('end', () => {
      received(Buffer.concat(parts));
      s.end();
    });
  });
  const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
  try {
    const from = await dialTcp({ host: '127.0.0.1', port: source.port });
    const to = await dialTcp({ host: '127.0.0.1', port: sink.port });
    const done = splice(from, to);
    expect(sha(await sunk)).toBe(sha(payload));
    expect((await done).error).toBeUndefined();
    const large = allocUnsafe.mock.calls.filter(([size]) => size === 1024 * 1024).length;
    // Without reuse every read of 64 KiB or more takes a fresh 1 MiB buffer: dozens for 32 MiB.
    expect(large).toBeGreaterThan(0);
    expect(large).toBeLessThan(8);
  } finally {
    allocUnsafe.mockRestore();
    source.close();
    sink.close();
  }
});

it('dials with a socket from openSocket when given (with the dial\'s options), and rejects when it throws', async () => {
  const target = await server((s) => s.end('hello'));
  try {
    const seen: net.SocketConstructorOpts[] = [];
    const socket = await dialTcp({ host: '127.0.0.1', port: target.port, localAddress: '127.0.0.9', openSocket: (options) => (seen.push(options), new net.Socket(options)) });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ allowHalfOpen: true, noDelay: true, keepAlive: true, onread: expect.any(Object) });
    // localAddress is the factory's business: not bound here.
    expect(socket.localAddress).toBe('127.0.0.1');
    // The socket reads through the dial's large reads like any other.
    const ends = tunnelEnds();
    const spliced = splice(socket, ends.stream);
    ends.up.end();
    await spliced;
    expect(Buffer.concat(ends.received).toString()).toBe('hello');
    await expect(dialTcp({ host: '127.0.0.1', port: target.port, openSocket: () => { throw new Error('no capability'); } })).rejects.toThrow('no capability');
  } finally {
    target.close();
  }
});
