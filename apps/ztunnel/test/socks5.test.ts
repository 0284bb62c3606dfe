// SOCKS5 parsing tables (well-formed, incomplete, malformed) and the handshake on real loopback sockets.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGreeting, parseRequest, reply, Reply } from '../src/socks5/codec.js';
import { socksHandshake, type Handshake } from '../src/socks5/handshake.js';

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const name = (host: string, port: number): Buffer => Buffer.concat([b(5, 1, 0, 3, host.length), Buffer.from(host, 'latin1'), b(port >> 8, port & 0xff)]);

describe('parseGreeting', () => {
  it.each([
    ['no auth only', b(5, 1, 0), { kind: 'ok', value: { methods: [0] }, consumed: 3 }],
    ['no auth among others', b(5, 3, 2, 1, 0, 9), { kind: 'ok', value: { methods: [2, 1, 0] }, consumed: 5 }],
    ['one byte', b(5), { kind: 'incomplete' }],
    ['methods cut short', b(5, 2, 0), { kind: 'incomplete' }],
  ])('%s', (_, input, expected) => expect(parseGreeting(input)).toEqual(expected));

  it.each([
    ['SOCKS4', b(4, 1, 0, 80), /not SOCKS5: version byte 0x04/, undefined],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\n'), /not SOCKS5: version byte 0x47/, undefined],
    ['zero methods', b(5, 0), /no authentication methods/, b(5, 0xff)],
    ['username/password only', b(5, 1, 2), /does not offer "no authentication" \(offers 02\)/, b(5, 0xff)],
  ])('refuses %s', (_, input, reason, replyBytes) => {
    const parsed = parseGreeting(input);
    expect(parsed.kind).toBe('error');
    if (parsed.kind === 'error') {
      expect(parsed.reason).toMatch(reason);
      expect(parsed.reply).toEqual(replyBytes);
    }
  });
});

describe('parseRequest', () => {
  it.each([
    ['IPv4', b(5, 1, 0, 1, 127, 0, 20, 1, 0x1f, 0x90), { ip: '127.0.20.1', port: 8080 }, 10],
    ['IPv6 loopback', Buffer.concat([b(5, 1, 0, 4), Buffer.alloc(15), b(1, 0, 80)]), { ip: '::1', port: 80 }, 22],
    ['IPv6 full', Buffer.concat([b(5, 1, 0, 4), Buffer.from('20010db8000100000000000000000001', 'hex'), b(1, 187)]), { ip: '2001:db8:1::1', port: 443 }, 22],
    ['a name, lower-cased', name('Echo.Default.Mesh', 80), { hostname: 'echo.default.mesh', port: 80 }, 24],
    ['a fully qualified name', name('echo.default.mesh.', 80), { hostname: 'echo.default.mesh', port: 80 }, 25],
    ['an address sent as a name', name('127.0.20.1', 8080), { ip: '127.0.20.1', port: 8080 }, 17],
  ])('reads %s', (_, input, destination, consumed) => {
    expect(parseRequest(input)).toEqual({ kind: 'ok', value: destination, consumed });
  });

  it('leaves bytes after the request for the tunnel', () => {
    const parsed = parseRequest(Buffer.concat([b(5, 1, 0, 1, 127, 0, 0, 1, 0, 80), Buffer.from('GET /')]));
    expect(parsed).toMatchObject({ kind: 'ok', consumed: 10 });
  });

  it.each([
    ['three bytes', b(5, 1, 0)],
    ['IPv4 without port', b(5, 1, 0, 1, 127, 0, 0, 1)],
    ['IPv6 cut short', Buffer.concat([b(5, 1, 0, 4), Buffer.alloc(10)])],
    ['name without its length', b(5, 1, 0, 3)],
    ['name cut short', b(5, 1, 0, 3, 10, 0x61, 0x62)],
  ])('waits for more on %s', (_, input) => expect(parseRequest(input)).toEqual({ kind: 'incomplete' }));

  it.each([
    ['BIND', b(5, 2, 0, 1, 127, 0, 0, 1, 0, 80), /command 0x02 is not CONNECT/, Reply.COMMAND_NOT_SUPPORTED],
    ['UDP ASSOCIATE', b(5, 3, 0, 1, 127, 0, 0, 1, 0, 80), /command 0x03/, Reply.COMMAND_NOT_SUPPORTED],
    ['address type 2', b(5, 1, 0, 2, 1, 2, 3, 4, 0, 80), /address type 0x02/, Reply.ADDRESS_TYPE_NOT_SUPPORTED],
    ['version 4 in the request', b(4, 1, 0, 1, 127, 0, 0, 1, 0, 80), /request version byte 0x04/, Reply.GENERAL_FAILURE],
    ['a reserved byte set', b(5, 1, 7, 1, 127, 0, 0, 1, 0, 80), /reserved byte 0x07/, Reply.GENERAL_FAILURE],
    ['an empty name', b(5, 1, 0, 3, 0, 0, 80), /not a DNS name/, Reply.HOST_UNREACHABLE],
    ['a name with a space', name('echo mesh', 80), /"echo mesh" is not a DNS name/, Reply.HOST_UNREACHABLE],
    ['a name with a NUL', name('echo\u0000', 80), /not a DNS name/, Reply.HOST_UNREACHABLE],
    ['a label over 63 bytes', name(`${'a'.repeat(64)}.mesh`, 80), /not a DNS name/, Reply.HOST_UNREACHABLE],
    ['port 0', b(5, 1, 0, 1, 127, 0, 0, 1, 0, 0), /port 0/, Reply.GENERAL_FAILURE],
  ])('refuses %s', (_, input, reason, code) => {
    const parsed = parseRequest(input);
    expect(parsed.kind).toBe('error');
    if (parsed.kind === 'error') {
      expect(parsed.reason).toMatch(reason);
      expect(parsed.reply?.[1]).toBe(code);
    }
  });
});

describe('reply', () => {
  it('encodes the bound IPv4 or IPv6 address, or 0.0.0.0:0', () => {
    expect(reply(Reply.SUCCEEDED, { address: '127.0.10.1', port: 40000 })).toEqual(b(5, 0, 0, 1, 127, 0, 10, 1, 0x9c, 0x40));
    expect(reply(Reply.NOT_ALLOWED)).toEqual(b(5, 2, 0, 1, 0, 0, 0, 0, 0, 0));
    expect(reply(Reply.SUCCEEDED, { address: 'fe80::1:2', port: 1 })).toEqual(Buffer.concat([b(5, 0, 0, 4, 0xfe, 0x80), Buffer.alloc(10), b(0, 1, 0, 2, 0, 1)]));
    expect(reply(Reply.SUCCEEDED, { address: '10.0.0.1', port: 80 }, b(5, 0))).toEqual(b(5, 0, 5, 0, 0, 1, 10, 0, 0, 1, 0, 80));
    expect(reply(Reply.HOST_UNREACHABLE, undefined, b(5, 0))).toEqual(b(5, 0, 5, 4, 0, 1, 0, 0, 0, 0, 0, 0));
  });
});

describe('socksHandshake on a socket', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  /** A server on port 0 that runs the handshake on its first connection; returns the result and a client. */
  async function pair(timeoutMs = 2_000): Promise<{ client: net.Socket; result: Promise<Handshake>; received: () => Buffer }> {
    let resolveResult!: (h: Handshake) => void;
    const result = new Promise<Handshake>((r) => (resolveResult = r));
    const server = net.createServer((socket) => void socksHandshake(socket, timeoutMs).then(resolveResult));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const client = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    client.on('data', (c: Buffer) => chunks.push(c));
    client.on('error', () => undefined);
    cleanup.push(() => {
      client.destroy();
      server.close();
    });
    return { client, result, received: () => Buffer.concat(chunks) };
  }

  it('completes with the destination and the early bytes, even when split across writes', async () => {
    const { client, result, received } = await pair();
    client.write(b(5, 1));
    await new Promise((r) => setTimeout(r, 10));
    client.write(Buffer.concat([b(0, 5, 1, 0, 3), b(17), Buffer.from('echo.default.mesh')]));
    await new Promise((r) => client.once('data', r));
    client.write(Buffer.concat([b(0, 80), Buffer.from('GET / HTTP/1.1\r\n')]));
    const done = await result;
    expect(done).toEqual({ kind: 'ok', destination: { hostname: 'echo.default.mesh', port: 80 }, early: Buffer.from('GET / HTTP/1.1\r\n'), replyPrefix: Buffer.alloc(0) });
    // The method reply went out before the request was complete.
    expect(received()).toEqual(b(5, 0));
  });

  it('holds the method reply back for the answer when greeting and request come together', async () => {
    const { client, result, received } = await pair();
    client.write(b(5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80));
    const done = await result;
    expect(done).toEqual({ kind: 'ok', destination: { ip: '127.0.0.1', port: 80 }, early: Buffer.alloc(0), replyPrefix: b(5, 0) });
    // Nothing was written yet: the caller sends the prefix with its reply, in one write.
    await new Promise((r) => setTimeout(r, 20));
    expect(received()).toEqual(Buffer.alloc(0));
  });

  it('sends the method reply at once when the request after the greeting is incomplete', async () => {
    const { client, result, received } = await pair();
    client.write(b(5, 1, 0, 5, 1, 0));
    await new Promise((r) => client.once('data', r));
    expect(received()).toEqual(b(5, 0));
    client.write(b(1, 10, 0, 0, 1, 1, 187));
    expect(await result).toMatchObject({ kind: 'ok', destination: { ip: '10.0.0.1', port: 443 }, replyPrefix: Buffer.alloc(0) });
  });

  it('answers a malformed request with its reply code and closes', async () => {
    const { client, result, received } = await pair();
    client.write(Buffer.concat([b(5, 1, 0), b(5, 2, 0, 1, 127, 0, 0, 1, 0, 80)]));
    expect(await result).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/not CONNECT/) as string });
    await new Promise((r) => client.once('close', r));
    expect(received()).toEqual(Buffer.concat([b(5, 0), reply(Reply.COMMAND_NOT_SUPPORTED)]));
  });

  it('gives up on a client that connects and sends nothing', async () => {
    const { client, result } = await pair(50);
    expect(await result).toEqual({ kind: 'refused', reason: 'no complete greeting within 50 ms' });
    await new Promise((r) => client.once('close', r));
  });

  it('refuses garbage that never completes a request', async () => {
    const { client, result } = await pair();
    client.write(b(5, 255, ...new Array<number>(255).fill(1)));
    client.write(Buffer.alloc(600, 1));
    expect(await result).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/without a complete greeting|does not offer/) as string });
  });

  it('notices a client that leaves mid-request', async () => {
    const { client, result } = await pair();
    client.end(b(5, 1, 0, 5, 1));
    expect(await result).toEqual({ kind: 'refused', reason: 'client went away during the request' });
  });
});
