// Double HBONE end to end, in-process on loopback: sleep (network west) reaches echo (network east) through an
// east-west gateway — a plain HboneServer that forwards the inner bytes opaquely, as Istio's gateway does. The
// inner TLS runs from sleep's ztunnel to echo's, so echo sees sleep's identity and a wrong inner identity fails.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialTcp, HboneServer, type TunnelRequest } from '@ambient/hbone';
import { meshOf, service, waypointAt, workload } from '@ambient/mesh-state/testing';
import type { MeshState } from '@ambient/mesh-state';
import { tlsMaterialFromSvid, type CertificateAuthority } from '@ambient/spiffe';
import { createTestCa } from '@ambient/spiffe/testing';
import { WorkloadProxy } from '../src/workload-proxy.js';
import { workloadOf } from './plan/mesh.js';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import { roundTrip, socksConnect } from './support/socks-client.js';
import { testContext, type TestContext } from './support/in-process.js';

const SLEEP_IP = '127.8.1.1';
const ECHO_IP = '127.8.2.1';
const GATEWAY_IP = '127.8.3.1';
const PORTS = { hbone: 26008, socks: 26080, plaintext: 26006 };
const GATEWAY_ID = 'spiffe://cluster.local/ns/istio-system/sa/eastwest';
const ECHO_HOST = 'echo.default.svc.cluster.local';
const SHADY_HOST = 'shady.default.svc.cluster.local';

let ca: CertificateAuthority;
let state: MeshState;
let west: TestContext;
let east: TestContext;
let gateway: HboneServer;
let sleep: WorkloadProxy;
let echo: WorkloadProxy;
let app: net.Server;
const atGateway: TunnelRequest[] = [];
let gatewayDials = 0;

beforeAll(async () => {
  ca = createTestCa();
  // The gateway routes by the outer authority alone and never sees inside: both services lead to echo's HBONE port,
  // so a connection to 'shady' meets echo's certificate where it expects shady's endpoint.
  gateway = new HboneServer({
    tls: tlsMaterialFromSvid(ca.issueSvid(GATEWAY_ID)),
    handler: (request) => {
      atGateway.push(request);
      if (request.authority.host !== ECHO_HOST && request.authority.host !== SHADY_HOST) return { kind: 'unreachable', reason: 'no such service here' };
      gatewayDials += 1;
      return dialTcp({ host: ECHO_IP, port: PORTS.hbone, localAddress: GATEWAY_IP });
    },
  });
  const gatewayPort = (await gateway.listen(0, GATEWAY_IP)).port;
  const networkGateway = waypointAt(GATEWAY_IP, 'east');
  networkGateway.hboneMtlsPort = gatewayPort;
  state = meshOf(
    workload('sleep', SLEEP_IP, { network: 'west', serviceAccount: 'sleep' }),
    workload('echo', ECHO_IP, { network: 'east', serviceAccount: 'echo', networkGateway, services: { [`default/${ECHO_HOST}`]: { ports: [{ servicePort: 80, targetPort: 8080 }] } } }),
    service('echo', undefined),
    workload('eastwest', GATEWAY_IP, { network: 'east', namespace: 'istio-system', serviceAccount: 'eastwest' }),
    workload('victim', '127.8.2.2', { network: 'east', serviceAccount: 'victim', networkGateway, services: { [`default/${SHADY_HOST}`]: { ports: [] } } }),
    service('shady', undefined),
  );
  west = testContext(state, 'west', PORTS);
  east = testContext(state, 'east', PORTS);
  app = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => app.listen(8080, ECHO_IP, resolve));
  sleep = await WorkloadProxy.start(west.ctx, workloadOf(state, 'sleep'), SLEEP_IP, ca.issueSvid(SLEEP_ID));
  echo = await WorkloadProxy.start(east.ctx, workloadOf(state, 'echo'), ECHO_IP, ca.issueSvid(ECHO_ID));
});

afterAll(async () => {
  await sleep?.close(0);
  await echo?.close(0);
  await gateway?.drain(0);
  west?.ctx.inbound.close();
  east?.ctx.inbound.close();
  app?.close();
});

describe('double HBONE through an east-west gateway', () => {
  it('carries bytes end to end; the gateway sees only the outer CONNECT, echo sees sleep through the inner TLS', async () => {
    const { reply, socket } = await socksConnect({ host: SLEEP_IP, port: PORTS.socks }, ECHO_HOST, 80);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, 'across networks')).toBe('across networks');
    socket.end();
    // Outer: the service hostname as authority, sleep's identity, no x-forwarded-network (inner only).
    expect(atGateway.at(-1)).toMatchObject({ authority: { host: ECHO_HOST, port: 80 }, peerIdentity: SLEEP_ID, forwardedNetwork: undefined });
    const inbound = () => east.lines.find((l) => l['msg'] === 'connection complete' && l['dst.addr'] === `${ECHO_IP}:${PORTS.hbone}`);
    await expect.poll(inbound).toMatchObject({ 'src.identity': SLEEP_ID, 'dst.workload': 'echo', 'dst.hbone_addr': `${ECHO_IP}:8080` });
    // The TCP peer was the gateway; a request marked as from another network is not attributed to it.
    expect(inbound()?.['src.workload']).toBeUndefined();
    await expect.poll(() => west.lines.find((l) => l['msg'] === 'connection complete' && l['dst.workload'] === 'eastwest')).toMatchObject({
      'src.identity': SLEEP_ID, 'dst.hbone_addr': `${ECHO_HOST}:80`, 'dst.addr': `${GATEWAY_IP}:${gateway.address()?.port ?? 0}`,
    });
  });

  it('pools the outer session and opens an inner TLS session per connection', async () => {
    const before = { requests: atGateway.length, dials: gatewayDials };
    const both = await Promise.all([0, 1].map(() => socksConnect({ host: SLEEP_IP, port: PORTS.socks }, ECHO_HOST, 80)));
    expect(both.map((c) => c.reply)).toEqual([0, 0]);
    expect(await Promise.all(both.map((c, i) => roundTrip(c.socket, ['one', 'two'][i] ?? '')))).toEqual(['one', 'two']);
    const outer = atGateway.slice(before.requests);
    expect(outer).toHaveLength(2);
    // One TCP connection from sleep to the gateway carried both CONNECTs; the gateway dialled echo once for each.
    expect(new Set(outer.map((r) => r.remotePort)).size).toBe(1);
    expect(gatewayDials - before.dials).toBe(2);
    for (const c of both) c.socket.end();
  });

  it('refuses when the inner peer is not who the plan expects (SOCKS5 0x02, identity error)', async () => {
    const { reply, socket } = await socksConnect({ host: SLEEP_IP, port: PORTS.socks }, SHADY_HOST, 80);
    socket.destroy();
    expect(reply).toBe(0x02);
    expect(atGateway.at(-1)).toMatchObject({ authority: { host: SHADY_HOST, port: 80 }, peerIdentity: SLEEP_ID });
    await expect.poll(() => west.lines.find((l) => l['msg'] === 'connection complete' && l['dst.hbone_addr'] === `${SHADY_HOST}:80`)).toMatchObject({
      error: expect.stringContaining('spiffe://cluster.local/ns/default/sa/victim') as unknown,
    });
  });
});
