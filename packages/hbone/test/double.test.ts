// Double HBONE: the client's TLS and CONNECT to the destination run inside a CONNECT to an east-west gateway,
// which sees only opaque bytes; the inner request carries x-forwarded-network and the client's own identity.
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HboneClient, HboneServer, type TunnelRequest } from '../src/index.js';
import { createTestPki, ID, type TestPki } from './pki.js';
import { roundTrip, startEcho, type EchoServer } from './helpers.js';

let pki: TestPki;
let echo: EchoServer;
let destination: HboneServer;
let gateway: HboneServer;
let gatewayPort: number;
const seenByGateway: TunnelRequest[] = [];
const seenByDestination: TunnelRequest[] = [];
const SERVICE = 'echo.default.mesh:80';

function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

beforeAll(async () => {
  pki = createTestPki();
  echo = await startEcho();
  destination = new HboneServer({
    tls: pki.leaf(ID.server),
    handler: (request) => {
      seenByDestination.push(request);
      return request.authority.host === 'echo.default.mesh' ? dial(echo.port) : { kind: 'unreachable', reason: 'unknown service' };
    },
  });
  const destinationPort = (await destination.listen(0, '127.0.0.1')).port;
  gateway = new HboneServer({
    tls: pki.leaf(ID.gateway),
    // The gateway forwards the inner bytes opaquely to an HBONE endpoint of the service.
    handler: (request) => {
      seenByGateway.push(request);
      return `${request.authority.host}:${request.authority.port}` === SERVICE ? dial(destinationPort) : { kind: 'unreachable', reason: 'unknown service' };
    },
  });
  gatewayPort = (await gateway.listen(0, '127.0.0.1')).port;
});

afterAll(async () => {
  await gateway.drain(500);
  await destination.drain(500);
  await echo.close();
  pki.cleanup();
});

it('tunnels through the gateway with end-to-end mTLS', async () => {
  const client = new HboneClient({ tls: pki.leaf(ID.client) });
  const stream = await client.connectDouble({
    gateway: { nextHop: { host: '127.0.0.1', port: gatewayPort }, authority: SERVICE, expectedIdentities: [ID.gateway] },
    inner: { authority: SERVICE, expectedIdentities: [ID.server], forwardedNetwork: 'network-a' },
  });
  const payload = Buffer.alloc(256 * 1024, 3);
  expect((await roundTrip(stream, payload)).equals(payload)).toBe(true);
  expect(seenByGateway.at(-1)).toMatchObject({ peerIdentity: ID.client, forwardedNetwork: undefined });
  expect(seenByDestination.at(-1)).toMatchObject({ peerIdentity: ID.client, forwardedNetwork: 'network-a' });
  expect(seenByDestination.at(-1)?.authority).toEqual({ host: 'echo.default.mesh', port: 80 });
  client.close();
});

it('never pools the inner session: each tunnel gets its own inner TLS', async () => {
  const client = new HboneClient({ tls: pki.leaf(ID.client) });
  const request = {
    gateway: { nextHop: { host: '127.0.0.1', port: gatewayPort }, authority: SERVICE, expectedIdentities: [ID.gateway] },
    inner: { authority: SERVICE, expectedIdentities: [ID.server], forwardedNetwork: 'network-a' },
  };
  const [a, b] = await Promise.all([client.connectDouble(request), client.connectDouble(request)]);
  // Each inner session reaches the destination over its own gateway→destination connection.
  const [ra, rb] = seenByDestination.slice(-2);
  expect(ra?.remotePort).not.toBe(rb?.remotePort);
  expect(client.poolStats()).toEqual([expect.objectContaining({ sessions: 1, streams: 2 })]);
  await Promise.all([roundTrip(a!, 'a'), roundTrip(b!, 'b')]);
  client.close();
});

it('refuses an inner destination with an unexpected identity', async () => {
  const client = new HboneClient({ tls: pki.leaf(ID.client) });
  const err = await client
    .connectDouble({
      gateway: { nextHop: { host: '127.0.0.1', port: gatewayPort }, authority: SERVICE, expectedIdentities: [ID.gateway] },
      inner: { authority: SERVICE, expectedIdentities: ['spiffe://cluster.local/ns/default/sa/impostor'], forwardedNetwork: 'n' },
    })
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'HBONE_ERR_PEER_IDENTITY' });
  client.close();
});
