// One tunnel end to end over real TLS 1.3 and HTTP/2 on loopback: bytes, half-close, headers, status codes.
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialTcp, HboneClient, HboneError, HboneServer, formatBaggage, formatForwarded, splice, type TunnelDone } from '../src/index.js';
import { createTestPki, ID, type TestPki } from './pki.js';
import { roundTrip, startEcho, type EchoServer } from './helpers.js';
import { startServer, type ServerFixture } from './server-fixture.js';

let pki: TestPki;
let echo: EchoServer;
let fixture: ServerFixture;
let client: HboneClient;

beforeAll(async () => {
  pki = createTestPki();
  echo = await startEcho();
  fixture = await startServer(pki.leaf(ID.server), { deniedPort: 9 });
  client = new HboneClient({ tls: pki.leaf(ID.client), connectTimeoutMs: 2000 });
});

afterAll(async () => {
  client.close();
  await fixture.close();
  await echo.close();
  pki.cleanup();
});

const nextHop = () => ({ host: '127.0.0.1', port: fixture.port });

/** One request from Node's own HTTP/2 client with a valid client certificate, bypassing HboneClient's checks. */
async function rawRequest(headers: http2.OutgoingHttpHeaders): Promise<unknown> {
  const session = http2.connect(`https://127.0.0.1:${fixture.port}`, { ...pki.leaf(ID.client), checkServerIdentity: () => undefined });
  session.on('error', () => undefined);
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request(headers, { endStream: false });
      req.on('response', (h) => resolve(h[':status']));
      req.on('error', reject);
    });
  } finally {
    session.close();
  }
}

describe('a tunnel', () => {
  it('carries bytes both ways and half-closes like TCP', async () => {
    const stream = await client.connect({ nextHop: nextHop(), authority: `127.0.0.1:${echo.port}`, expectedIdentities: [ID.server] });
    const payload = Buffer.alloc(3 * 1024 * 1024, 7);
    const back = await roundTrip(stream, payload);
    expect(back.equals(payload)).toBe(true);
  });

  it('keeps 24 MiB of random bytes intact both ways while both ends reuse their read buffers', async () => {
    // A plain listener in front, as ztunnel's: its accepted socket is spliced into the tunnel and read in 1 MiB
    // buffers that are reused once HTTP/2 has framed them; the server side reads the echo's answer the same way.
    const front = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (accepted) => {
      client.connect({ nextHop: nextHop(), authority: `127.0.0.1:${echo.port}`, expectedIdentities: [ID.server] }).then(
        (stream) => void splice(accepted, stream),
        () => accepted.destroy(),
      );
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const socket = net.connect({ host: '127.0.0.1', port: (front.address() as AddressInfo).port, allowHalfOpen: true });
      const payload = randomBytes(24 * 1024 * 1024);
      const back = await roundTrip(socket, payload);
      expect(back.length).toBe(payload.length);
      expect(back.equals(payload)).toBe(true);
    } finally {
      front.close();
    }
  });

  it('hands the server the peer identity and the parsed headers', async () => {
    const stream = await client.connect({
      nextHop: nextHop(),
      authority: `127.0.0.1:${echo.port}`,
      expectedIdentities: [ID.server],
      headers: {
        forwarded: formatForwarded({ for: '127.0.10.1:43210', host: 'echo.default.mesh' }) ?? '',
        baggage: formatBaggage({ 'k8s.namespace.name': 'default', 'service.name': 'sleep', 'cloud.region': '' }) ?? '',
      },
    });
    await roundTrip(stream, 'hi');
    const request = fixture.requests.at(-1);
    expect(request?.peerIdentity).toBe(ID.client);
    expect(request?.authority).toEqual({ host: '127.0.0.1', port: echo.port });
    expect(request?.forwarded).toEqual({ for: '127.0.10.1:43210', host: 'echo.default.mesh' });
    expect(request?.baggage).toEqual({ 'k8s.namespace.name': 'default', 'service.name': 'sleep' });
    expect(request?.traceParent?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('accepts an IPv6 authority in brackets', async () => {
    const v6 = await startEcho('::1');
    const stream = await client.connect({ nextHop: nextHop(), authority: `[::1]:${v6.port}`, expectedIdentities: [ID.server] });
    expect((await roundTrip(stream, 'six')).toString()).toBe('six');
    expect(fixture.requests.at(-1)?.authority).toEqual({ host: '::1', port: v6.port });
    await v6.close();
  });
});

describe('refusals map to CONNECT status codes', () => {
  it('401 when the handler denies', async () => {
    const err = await client.connect({ nextHop: nextHop(), authority: '127.0.0.1:9', expectedIdentities: [ID.server] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HboneError);
    expect(err).toMatchObject({ code: 'HBONE_ERR_DENIED', status: 401 });
  });

  it('503 when the target is unreachable', async () => {
    const err = await client.connect({ nextHop: nextHop(), authority: '127.0.0.1:1', expectedIdentities: [ID.server] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HBONE_ERR_UNREACHABLE', status: 503 });
  });

  it.each(['nonsense', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '[::1:80', '::1:80', 'a b:80', '[127.0.0.1]:80'])(
    'the client refuses authority %j before sending anything',
    async (authority) => {
      const before = fixture.requests.length;
      const err = await client.connect({ nextHop: nextHop(), authority, expectedIdentities: [ID.server] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'HBONE_ERR_BAD_AUTHORITY' });
      expect(fixture.requests.length).toBe(before);
    },
  );

  it.each(['nonsense', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '[::1:80', '::1:80', '[127.0.0.1]:80'])(
    'the server answers 400 to authority %j',
    async (authority) => {
      const [requests, dials] = [fixture.requests.length, echo.connections()];
      expect(await rawRequest({ ':method': 'CONNECT', ':authority': authority })).toBe(400);
      expect(fixture.requests.length).toBe(requests);
      expect(echo.connections()).toBe(dials);
    },
  );

  it('400 for a method other than CONNECT', async () => {
    expect(await rawRequest({ ':method': 'GET', ':path': '/', ':authority': `127.0.0.1:${echo.port}` })).toBe(400);
    expect(await rawRequest({ ':method': 'POST', ':path': '/x', ':authority': `127.0.0.1:${echo.port}` })).toBe(400);
  });
});

describe('a client that leaves while the handler connects', () => {
  it('ends the tunnel for the handler too: onTunnelDone with an error, and the upstream closed', async () => {
    let entered!: () => void;
    const handlerEntered = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let upstream: Duplex | undefined;
    let done!: (d: TunnelDone) => void;
    const tunnelDone = new Promise<TunnelDone>((r) => (done = r));
    const server = new HboneServer({
      tls: pki.leaf(ID.server),
      handler: async (request) => {
        entered();
        await gate;
        upstream = await dialTcp(request.authority);
        return upstream;
      },
      onTunnelDone: done,
    });
    const { port } = await server.listen(0, '127.0.0.1');
    const session = http2.connect(`https://127.0.0.1:${port}`, { ...pki.leaf(ID.client), checkServerIdentity: () => undefined });
    session.on('error', () => undefined);
    try {
      const req = session.request({ ':method': 'CONNECT', ':authority': `127.0.0.1:${echo.port}` }, { endStream: false });
      req.on('error', () => undefined);
      await handlerEntered;
      req.close(http2.constants.NGHTTP2_CANCEL);
      await new Promise((r) => req.once('close', r));
      // Let the RST_STREAM reach the server before the handler answers.
      await new Promise((r) => setTimeout(r, 100));
      release();
      const { result } = await tunnelDone;
      expect(result).toMatchObject({ aToB: 0, bToA: 0, error: { message: expect.stringMatching(/closed before the tunnel opened/) as string } });
      expect(upstream?.destroyed).toBe(true);
    } finally {
      session.close();
      await server.drain(1000);
    }
  });
});
