// Peers that must be refused: wrong trust domain, another root, no client certificate, expired or not yet
// valid, an unexpected server identity, a peer that stalls or never answers the SYN, oversized headers. No byte may
// reach the target.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { HboneClient, HboneServer, type TlsMaterial } from '../src/index.js';
import { ID } from './pki.js';
import { startServer, useTunnelEnv } from './server-fixture.js';

const env = useTunnelEnv();
const HOUR = 3600_000;

async function attempt(material: TlsMaterial, expected = [ID.server], port = env.fixture.port) {
  const client = new HboneClient({ tls: material, connectTimeoutMs: 1500 });
  try {
    const stream = await client.connect({ nextHop: { host: '127.0.0.1', port }, authority: `127.0.0.1:${env.echo.port}`, expectedIdentities: expected });
    // TLS 1.3 lets the client finish before the server has judged its certificate: the refusal shows on the stream.
    return await new Promise<unknown>((resolve) => {
      stream.on('error', resolve);
      stream.on('close', () => resolve(new Error('closed')));
      stream.resume();
      stream.write('secret payload');
    });
  } catch (err) {
    return err;
  } finally {
    client.close();
  }
}

describe('the server refuses clients', () => {
  it.each([
    ['from another trust domain', () => env.pki.leaf(ID.otherDomain)],
    ['under another root', () => env.pki.foreignLeaf(ID.client)],
    ['whose certificate expired', () => env.pki.datedLeaf(ID.client, new Date(Date.now() - 48 * HOUR), new Date(Date.now() - HOUR))],
    ['whose certificate is not valid yet', () => env.pki.datedLeaf(ID.client, new Date(Date.now() + HOUR), new Date(Date.now() + 48 * HOUR))],
    ['whose certificate lacks clientAuth', () => env.pki.leaf(ID.client, { eku: 'serverAuth' })],
  ])('%s, and nothing reaches the target', async (_name, material) => {
    const [requests, received] = [env.fixture.requests.length, env.echo.received()];
    const err = await attempt(material());
    expect(err).toBeInstanceOf(Error);
    expect(env.fixture.requests.length).toBe(requests);
    expect(env.echo.received()).toBe(received);
  });

  it('without a client certificate', async () => {
    const requests = env.fixture.requests.length;
    const socket = tls.connect({ host: '127.0.0.1', port: env.fixture.port, ca: env.pki.rootPem, ALPNProtocols: ['h2'], checkServerIdentity: () => undefined });
    const outcome = await new Promise<string>((resolve) => {
      socket.on('error', (e) => resolve(`error: ${e.message}`));
      socket.on('close', () => resolve('closed'));
      socket.on('secureConnect', () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    });
    expect(outcome).toMatch(/error|closed/);
    expect(env.fixture.requests.length).toBe(requests);
  });

  it('that do not offer ALPN h2', async () => {
    const material = env.pki.leaf(ID.client);
    const socket = tls.connect({ host: '127.0.0.1', port: env.fixture.port, ...material, ALPNProtocols: ['http/1.1'], checkServerIdentity: () => undefined });
    const outcome = await new Promise<string>((resolve) => {
      socket.on('error', (e) => resolve(`error: ${e.message}`));
      socket.on('close', () => resolve('closed'));
    });
    expect(outcome).toMatch(/error|closed/);
  });
});

describe('the client refuses servers', () => {
  it('whose identity is not expected, before sending any CONNECT', async () => {
    const requests = env.fixture.requests.length;
    const err = await attempt(env.pki.leaf(ID.client), ['spiffe://cluster.local/ns/default/sa/someone-else']);
    expect(err).toMatchObject({ code: 'HBONE_ERR_PEER_IDENTITY' });
    expect((err as Error).message).toContain('expected spiffe://cluster.local/ns/default/sa/someone-else');
    expect(env.fixture.requests.length).toBe(requests);
  });

  it('under another root', async () => {
    const foreign = await startServer(env.pki.foreignLeaf(ID.server));
    const err = await attempt(env.pki.leaf(ID.client), [ID.server], foreign.port);
    expect(err).toMatchObject({ code: 'HBONE_ERR_TLS' });
    expect(foreign.requests).toHaveLength(0);
    await foreign.close();
  });

  it('that stall in the handshake (timeout)', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const err = await attempt(env.pki.leaf(ID.client), [ID.server], (silent.address() as AddressInfo).port);
    expect(err).toMatchObject({ code: 'HBONE_ERR_TIMEOUT', message: expect.stringMatching(/^TLS handshake with 127\.0\.0\.1:\d+ did not finish in 1500 ms$/) });
    silent.close();
  });

  it('that never complete the TCP handshake, as behind a NetworkPolicy dropping 15008 (timeout, with ztunnel\'s hint)', async () => {
    // A listener that never accepts, with its one-slot queue taken: the kernel drops further SYNs, as a filter would.
    const listener = spawn('/usr/bin/python3', ['-c', 'import socket,sys,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(listener.stdout, 'data')) as [Buffer];
      const port = Number(line.toString().trim());
      const filler = net.connect(port, '127.0.0.1');
      filler.on('error', () => undefined);
      await once(filler, 'connect');
      const err = await attempt(env.pki.leaf(ID.client), [ID.server], port);
      expect(err).toMatchObject({ code: 'HBONE_ERR_TIMEOUT', message: `connection to 127.0.0.1:${port} timed out after 1500 ms, maybe a NetworkPolicy is blocking HBONE port ${port}` });
      filler.destroy();
    } finally {
      listener.kill();
    }
  });

  it('that never answer the CONNECT (timeout)', async () => {
    const stuck = new HboneServer({ tls: env.pki.leaf(ID.server), handler: () => new Promise(() => undefined) });
    const { port } = await stuck.listen(0, '127.0.0.1');
    const err = await attempt(env.pki.leaf(ID.client), [ID.server], port);
    expect(err).toMatchObject({ code: 'HBONE_ERR_TIMEOUT' });
    await stuck.drain(100);
  });
});

describe('the server bounds what a client may send', () => {
  it('refuses a header list over 64 KiB without calling the handler', async () => {
    const requests = env.fixture.requests.length;
    const session = http2.connect(`https://127.0.0.1:${env.fixture.port}`, { ...env.pki.leaf(ID.client), checkServerIdentity: () => undefined });
    session.on('error', () => undefined);
    const outcome = await new Promise<string>((resolve) => {
      const req = session.request({ ':method': 'CONNECT', ':authority': `127.0.0.1:${env.echo.port}`, 'x-big': 'a'.repeat(70 * 1024) });
      req.on('response', (h) => resolve(`status ${h[':status']}`));
      req.on('error', (e) => resolve(`error ${e.message}`));
      req.on('close', () => resolve(`closed ${req.rstCode}`));
    });
    expect(outcome).not.toBe('status 200');
    expect(env.fixture.requests.length).toBe(requests);
    session.destroy();
  });

  it('drops a client that opens TCP and never starts TLS', async () => {
    const slow = await startServer(env.pki.leaf(ID.server), { handshakeTimeoutMs: 300 });
    const socket = net.connect({ host: '127.0.0.1', port: slow.port });
    const closedAfter = await new Promise<number>((resolve) => {
      const start = Date.now();
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(Date.now() - start));
    });
    expect(closedAfter).toBeGreaterThanOrEqual(250);
    await slow.close();
  });
});
