// What the destination side reports about a tunnel, beyond carrying it (reference §1.4, §1.11): a policy denial counts
// in the TCP metrics with response_flags DENY and logs a full "connection complete"; a source with no workload record
// is labelled from its CONNECT's baggage (the principal still from its certificate); the 200 carries baggage
// describing the destination. Two WorkloadProxy instances in-process on loopback, scraped through the real exporter.
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HboneClient, parseBaggage } from '@ambient/hbone';
import { meshOf, workload } from '@ambient/mesh-state/testing';
import { WorkloadType } from '@ambient/api/workload';
import { tlsMaterialFromSvid, type CertificateAuthority } from '@ambient/spiffe';
import { createTestCa } from '@ambient/spiffe/testing';
import type { MeshState, WorkloadRecord } from '@ambient/mesh-state';
import { WorkloadProxy } from '../src/workload-proxy.js';
import { policy } from './plan/mesh.js';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import { testContext } from './support/in-process.js';
import { socksConnect } from './support/socks-client.js';

const SLEEP_IP = '127.0.12.1';
const ECHO_IP = '127.0.22.1';
const PORTS = { hbone: 26008, socks: 26080, plaintext: 26006 };

let ca: CertificateAuthority;
let state: MeshState;
let lines: Record<string, unknown>[];
let proxies: WorkloadProxy[] = [];
let app: net.Server;
let scrape: HttpServer;

const find = (name: string): WorkloadRecord => {
  const w = state.findWorkloadByUid(`Kubernetes//Pod/default/${name}`);
  if (!w) throw new Error(`no ${name}`);
  return w;
};

/** The /metrics text lines of one metric whose labels include every `label="value"` given. */
async function series(name: string, ...labels: string[]): Promise<string[]> {
  const { port } = scrape.address() as net.AddressInfo;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
}

beforeAll(async () => {
  ca = createTestCa();
  state = meshOf(
    workload('sleep', SLEEP_IP, { serviceAccount: 'sleep', node: 'node-a' }),
    workload('echo', ECHO_IP, {
      serviceAccount: 'echo', node: 'node-b', workloadName: 'echo', workloadType: WorkloadType.DEPLOYMENT, canonicalName: 'echo', canonicalRevision: 'v2', clusterId: 'east',
    }),
  );
  const test = testContext(state, '', PORTS, 'node-a');
  lines = test.lines;
  scrape = createHttpServer((req, res) => test.metrics.handle(req, res)).listen(0, '127.0.0.1');
  await once(scrape, 'listening');
  app = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => app.listen(8080, ECHO_IP, resolve));
  proxies = [
    await WorkloadProxy.start(test.ctx, find('sleep'), SLEEP_IP, ca.issueSvid(SLEEP_ID)),
    await WorkloadProxy.start(test.ctx, find('echo'), ECHO_IP, ca.issueSvid(ECHO_ID)),
  ];
});

afterAll(async () => {
  for (const p of proxies) await p.close(0);
  app?.close();
  scrape?.close();
});

describe('the destination\'s report of a tunnel', () => {
  it('counts a policy denial opened and closed with response_flags DENY, and logs it in full', async () => {
    state.applyAuthorizations(new Map([['default/deny-sleep', policy('deny-sleep', 'DENY', { principals: ['cluster.local/ns/default/sa/sleep'] })]]), []);
    try {
      const { reply, socket } = await socksConnect({ host: SLEEP_IP, port: PORTS.socks }, ECHO_IP, 8080);
      socket.destroy();
      // SOCKS5 "connection not allowed by ruleset": the 401 came back through the tunnel.
      expect(reply).toBe(2);
      const denied = ['reporter="destination"', 'response_flags="DENY"', `source_principal="${SLEEP_ID}"`, 'destination_workload="echo"'];
      await expect.poll(() => series('istio_tcp_connections_closed_total', ...denied)).toHaveLength(1);
      expect(await series('istio_tcp_connections_closed_total', ...denied)).toEqual([expect.stringMatching(/ 1$/)]);
      // Opened in the series it started in (flag "-"), as ztunnel counts every connection that reached the policy.
      expect(await series('istio_tcp_connections_opened_total', 'reporter="destination"', 'response_flags="-"', `source_principal="${SLEEP_ID}"`)).toHaveLength(1);
      const record = lines.find((l) => l['msg'] === 'connection complete' && l['direction'] === 'inbound' && String(l['error']).startsWith('explicitly denied'));
      expect(record).toMatchObject({ level: 'error', 'src.identity': SLEEP_ID, 'src.workload': 'sleep', 'dst.workload': 'echo', 'dst.hbone_addr': `${ECHO_IP}:8080`, bytes_sent: 0, bytes_recv: 0 });
      expect(record?.['error']).toBe('explicitly denied by: default/deny-sleep');
    } finally {
      state.applyAuthorizations(new Map(), ['default/deny-sleep']);
    }
  });

  it('still only logs a refusal that comes before the policy check (400: not the dialled address)', async () => {
    const client = new HboneClient({ tls: tlsMaterialFromSvid(ca.issueSvid(SLEEP_ID)) });
    try {
      await expect(client.connect({ nextHop: { host: ECHO_IP, port: PORTS.hbone }, authority: '127.0.22.99:8080', expectedIdentities: [ECHO_ID], sourceIp: SLEEP_IP })).rejects.toThrow(/400/);
    } finally {
      client.close();
    }
    expect(lines.find((l) => l['msg'] === 'connection failed' && l['direction'] === 'inbound')).toMatchObject({ error: expect.stringContaining('is not the dialled address') });
    // The one destination series so far is the denied tunnel's (the test before), still at 1: the 400 did not count.
    expect(await series('istio_tcp_connections_opened_total', 'reporter="destination"', 'destination_workload="echo"')).toEqual([expect.stringMatching(/ 1$/)]);
  });

  it('labels a source it has no record of from the CONNECT\'s baggage, and the principal only from the certificate', async () => {
    const client = new HboneClient({ tls: tlsMaterialFromSvid(ca.issueSvid(SLEEP_ID)) });
    try {
      // From 127.0.12.9, which is no workload: the destination cannot look the source up by address.
      const tunnel = await client.connect({
        nextHop: { host: ECHO_IP, port: PORTS.hbone }, authority: `${ECHO_IP}:8080`, expectedIdentities: [ECHO_ID], sourceIp: '127.0.12.9',
        headers: { baggage: 'k8s.cluster.name=west,k8s.namespace.name=shop,k8s.deployment.name=cart,service.name=cart-svc,service.version=v7,cloud.region=eu,cloud.availability_zone=eu-1a,k8s.pod.name=' },
      });
      tunnel.end('hi');
      tunnel.resume();
      await once(tunnel, 'close');
    } finally {
      client.close();
    }
    await expect.poll(() => series('istio_tcp_connections_closed_total', 'reporter="destination"', 'source_workload="cart"')).toHaveLength(1);
    const [line] = await series('istio_tcp_connections_closed_total', 'reporter="destination"', 'source_workload="cart"');
    for (const label of ['source_canonical_service="cart-svc"', 'source_canonical_revision="v7"', 'source_workload_namespace="shop"', 'source_app="cart"', 'source_version="v7"', 'source_cluster="west"', 'source_region="eu"', 'source_zone="eu-1a"', `source_principal="${SLEEP_ID}"`]) {
      expect(line).toContain(label);
    }
  });

  it('answers a CONNECT with a 200 whose baggage describes the destination workload', async () => {
    const material = tlsMaterialFromSvid(ca.issueSvid(SLEEP_ID));
    const session = http2.connect(`https://${ECHO_IP}:${PORTS.hbone}`, { ...material, ALPNProtocols: ['h2'], rejectUnauthorized: false });
    try {
      const stream = session.request({ ':method': 'CONNECT', ':authority': `${ECHO_IP}:8080` });
      const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      expect(headers[':status']).toBe(200);
      expect(parseBaggage(String(headers['baggage']))).toEqual({
        'k8s.cluster.name': 'east', 'k8s.namespace.name': 'default', 'k8s.deployment.name': 'echo', 'service.name': 'echo', 'service.version': 'v2',
      });
      stream.close();
    } finally {
      session.close();
    }
  });
});
