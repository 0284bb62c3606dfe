// The pool: stream limits per session, one creator per key, 10,000 gracefully closed tunnels on one session,
// GOAWAY and dead peers handled without disturbing unrelated streams.
import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HboneClient } from '../src/index.js';
import { ID } from './pki.js';
import { roundTrip } from './helpers.js';
import { startServer, useTunnelEnv } from './server-fixture.js';

const env = useTunnelEnv();

const request = (port = env.fixture.port) => ({
  nextHop: { host: '127.0.0.1', port },
  authority: `127.0.0.1:${env.echo.port}`,
  expectedIdentities: [ID.server],
});

describe('HbonePool', () => {
  it('opens one session for concurrent first tunnels and a second past 100 streams', async () => {
    const client = new HboneClient({ tls: env.pki.leaf(ID.client) });
    const sessionsBefore = env.fixture.server.sessionCount;
    const streams = await Promise.all(Array.from({ length: 150 }, () => client.connect(request())));
    expect(client.poolStats()).toEqual([expect.objectContaining({ sessions: 2, streams: 150 })]);
    expect(env.fixture.server.sessionCount - sessionsBefore).toBe(2);
    await Promise.all(streams.map((s, i) => roundTrip(s, `tunnel ${i}`)));
    await new Promise((r) => setTimeout(r, 50));
    expect(client.poolStats()).toEqual([expect.objectContaining({ sessions: 2, streams: 0 })]);
    client.close();
  });

  it('retires its sessions and the server its own: open tunnels finish, the next one comes on a new session', async () => {
    const client = new HboneClient({ tls: env.pki.leaf(ID.client) });
    const open = await client.connect(request());
    const echoed = new Promise((resolve) => open.once('data', resolve));
    open.write('first');
    await echoed;
    expect(client.poolStats()).toEqual([expect.objectContaining({ sessions: 1, streams: 1 })]);
    client.retireSessions();
    env.fixture.server.retireSessions();
    const next = await client.connect(request());
    expect(client.poolStats()).toEqual([expect.objectContaining({ sessions: 2, streams: 2 })]);
    expect((await roundTrip(next, 'second')).toString()).toBe('second');
    // The retired session is still carrying its tunnel.
    expect((await roundTrip(open, 'still open')).toString()).toBe('still open');
    client.close();
  });

  it('keys sessions by expected identities and next hop', async () => {
    const client = new HboneClient({ tls: env.pki.leaf(ID.client) });
    await roundTrip(await client.connect(request()), 'a');
    await roundTrip(await client.connect({ ...request(), expectedIdentities: [ID.server, 'spiffe://cluster.local/ns/default/sa/other'] }), 'b');
    expect(client.poolStats()).toHaveLength(2);
    client.close();
  });

  it('opens a session leaving from a source IP with the socket openSocket gives, one session per source IP', async () => {
    const asked: string[] = [];
    const client = new HboneClient({
      tls: env.pki.leaf(ID.client),
      // Stands in for a transparent socket: a plain one, so the server sees 127.0.0.1 whatever the source IP.
      openSocket: (sourceIp, nextHop) => (sourceIp === '127.0.0.3' ? undefined : (asked.push(`${sourceIp}>${nextHop.host}:${nextHop.port}`), (options) => new net.Socket(options))),
    });
    await roundTrip(await client.connect({ ...request(), sourceIp: '127.0.0.2' }), 'a');
    await roundTrip(await client.connect({ ...request(), sourceIp: '127.0.0.2' }), 'b');
    await roundTrip(await client.connect({ ...request(), sourceIp: '127.0.0.3' }), 'c');
    expect(asked).toEqual([`127.0.0.2>127.0.0.1:${env.fixture.port}`]);
    expect(client.poolStats()).toHaveLength(2);
    const failing = new HboneClient({ tls: env.pki.leaf(ID.client), openSocket: () => () => { throw new Error('EPERM'); } });
    await expect(failing.connect({ ...request(), sourceIp: '127.0.0.4' })).rejects.toMatchObject({ code: 'HBONE_ERR_TLS', message: expect.stringContaining('cannot open a socket to HBONE peer 127.0.0.1') });
    client.close();
    failing.close();
  });

  it('carries 10,000 sequential tunnels on one session without a reset or GOAWAY', async () => {
    const client = new HboneClient({ tls: env.pki.leaf(ID.client) });
    let goaways = 0;
    const first = await client.connect(request());
    const session = first.session;
    session?.on('goaway', () => (goaways += 1));
    await roundTrip(first, 'x');
    let otherSessions = 0;
    for (let i = 0; i < 10_000; i++) {
      const stream = await client.connect(request());
      if (stream.session !== session) otherSessions += 1;
      await roundTrip(stream, 'x');
    }
    expect(otherSessions).toBe(0);
    expect(session?.destroyed).toBe(false);
    expect(goaways).toBe(0);
    expect(client.poolStats()).toEqual([expect.objectContaining({ sessions: 1 })]);
    client.close();
  }, 120_000);

  it('closes idle sessions after the idle timeout', async () => {
    const client = new HboneClient({ tls: env.pki.leaf(ID.client), pool: { idleTimeoutMs: 100 } });
    const stream = await client.connect(request());
    await roundTrip(stream, 'x');
    const session = stream.session;
    await new Promise((r) => session?.once('close', r));
    expect(client.poolStats()).toEqual([]);
  });

  it('after GOAWAY, lets open tunnels finish and opens a new session for new ones', async () => {
    const server = await startServer(env.pki.leaf(ID.server));
    const client = new HboneClient({ tls: env.pki.leaf(ID.client) });
    const open = await client.connect(request(server.port));
    const firstSession = open.session;
    // Graceful GOAWAY from the server's side while the tunnel is open; the listener keeps accepting.
    const closing = server.server.closeSessions(5000);
    await new Promise((r) => firstSession?.once('goaway', r));
    const next = await client.connect(request(server.port));
    expect(next.session).not.toBe(firstSession);
    expect((await roundTrip(open, 'still flowing')).toString()).toBe('still flowing');
    expect((await roundTrip(next, 'new session')).toString()).toBe('new session');
    await closing;
    await server.close();
    client.close();
  });

  it('drops a session whose peer stops answering PINGs, leaving other sessions alone', async () => {
    // A relay that can freeze: bytes stop flowing both ways but the TCP connection stays up.
    let frozen = false;
    const relay = net.createServer((inbound) => {
      const outbound = net.connect(env.fixture.port, '127.0.0.1');
      inbound.on('data', (d) => !frozen && outbound.write(d));
      outbound.on('data', (d) => !frozen && inbound.write(d));
      for (const s of [inbound, outbound]) s.on('error', () => undefined);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayPort = (relay.address() as AddressInfo).port;
    const client = new HboneClient({ tls: env.pki.leaf(ID.client), keepalive: { intervalMs: 50, timeoutMs: 300 } });
    const viaRelay = await client.connect(request(relayPort));
    const direct = await client.connect(request());
    frozen = true;
    const outcome = await new Promise<string>((resolve) => {
      viaRelay.on('error', (e) => resolve(`error: ${e.message}`));
      viaRelay.on('close', () => resolve('closed'));
    });
    expect(outcome).toMatch(/error|closed/);
    expect((await roundTrip(direct, 'unrelated')).toString()).toBe('unrelated');
    client.close();
    relay.close();
  });
});
