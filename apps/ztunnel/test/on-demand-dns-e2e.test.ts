// Hostname-only workloads end to end with peers we did not write: ambientd serving a ServiceEntry with
// `resolution: DNS`, a ztunnel process resolving its host on demand through dnsmasq (--dns-upstream), and a plain TCP
// server outside the mesh at the address dnsmasq gives. The quickstart's sleep (moved to 127.0.17.1) calls the
// ServiceEntry's VIP, and its hostname, over SOCKS5; a host dnsmasq answers NXDOMAIN for fails cleanly.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOneNodeMesh, type OneNodeMesh } from './support/processes.js';
import { writeQuickstart } from './support/quickstart.js';
import { roundTrip, socksConnect } from './support/socks-client.js';
import { startDnsmasq } from './support/dnsmasq.js';

const SLEEP_IP = '127.0.17.1';
const UPSTREAM_IP = '127.0.55.1';
const EXTERNAL_IP = '127.0.72.1';
const API_VIP = '127.96.0.90';
const NOWHERE_VIP = '127.96.0.91';
const SOCKS = { host: SLEEP_IP, port: 15080 };

let dir: string;
let mesh: OneNodeMesh;
let dnsmasq: ChildProcess;
let external: net.Server;
const accepted: string[] = [];


/** A ServiceEntry with no endpoints: each host is the name ztunnel resolves (istiod's implicit endpoints). */
const serviceEntries = (externalPort: number) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: external-api, namespace: default }
spec:
  hosts: [api.outside.test]
  addresses: [${API_VIP}]
  ports: [{ number: 80, name: tcp, protocol: TCP, targetPort: ${externalPort} }]
  location: MESH_EXTERNAL
  resolution: DNS
---
# No VIP, as most egress ServiceEntries are written: reached by name (socks5h).
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: plain-api, namespace: default }
spec:
  hosts: [plain.outside.test]
  ports: [{ number: 8080, name: tcp, protocol: TCP, targetPort: ${externalPort} }]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: nowhere, namespace: default }
spec:
  hosts: [nowhere.outside.test]
  addresses: [${NOWHERE_VIP}]
  ports: [{ number: 80, name: tcp, protocol: TCP }]
  resolution: DNS
`;

async function scrape(): Promise<string> {
  return (await fetch(`http://${mesh.ztunnel.started['metrics'] ?? ''}/metrics`)).text();
}

function onDemandSamples(text: string): { labels: string; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('istio_on_demand_dns_total{'))
    .map((l) => ({ labels: l.slice(l.indexOf('{'), l.lastIndexOf('}') + 1), value: Number(l.slice(l.lastIndexOf(' ') + 1)) }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-on-demand-dns-'));
  // The server outside the mesh: says who called it, then echoes.
  external = net.createServer((socket) => {
    accepted.push(`${socket.remoteAddress ?? ''}`);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => external.listen(0, EXTERNAL_IP, resolve));
  const externalPort = (external.address() as net.AddressInfo).port;

  const configDir = writeQuickstart(join(dir, 'config'), { '127.0.10.1': SLEEP_IP, '127.0.20.1': '127.0.27.1' });
  writeFileSync(join(configDir, 'external.yaml'), serviceEntries(externalPort));

  const upstream = await startDnsmasq(UPSTREAM_IP, [
    '--log-queries', '--log-facility=-', '--local-ttl=60',
    `--address=/api.outside.test/${EXTERNAL_IP}`, `--address=/plain.outside.test/${EXTERNAL_IP}`, '--address=/nowhere.outside.test/',
  ], { name: 'api.outside.test', answer: EXTERNAL_IP });
  dnsmasq = upstream.process;
  const upstreamPort = upstream.port;

  mesh = await startOneNodeMesh(configDir, dir, { 'dns-upstream': `${UPSTREAM_IP}:${upstreamPort}` });
}, 300_000);

afterAll(async () => {
  await mesh?.stop();
  dnsmasq?.kill();
  await new Promise((resolve) => external?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('a ServiceEntry with resolution DNS, resolved on demand by ztunnel', () => {
  it('gets the hostname Workload from ambientd', async () => {
    const dump = (await (await fetch(`http://${mesh.ztunnel.started['admin'] ?? ''}/config_dump`)).json()) as { workloads: Record<string, unknown>[] };
    const w = dump.workloads.find((x) => x['uid'] === 'Kubernetes/networking.istio.io/ServiceEntry/default/external-api/api.outside.test');
    expect(w).toMatchObject({ name: 'external-api', namespace: 'default', hostname: 'api.outside.test', addresses: [], tunnelProtocol: 'NONE' });
  });

  it('carries a SOCKS5 call to the VIP to the server dnsmasq names, plain TCP from the workload address', async () => {
    const { reply, socket } = await socksConnect(SOCKS, API_VIP, 80);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, 'hello outside')).toBe('hello outside');
    socket.destroy();
    expect(accepted.at(-1)).toBe(SLEEP_IP);
  });

  it('carries a call by the service hostname (socks5h) the same way, from the cache', async () => {
    const { reply, socket } = await socksConnect(SOCKS, 'api.outside.test', 80);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, 'by name')).toBe('by name');
    socket.destroy();
  });

  it('carries a call by name to a ServiceEntry without a VIP', async () => {
    const { reply, socket } = await socksConnect(SOCKS, 'plain.outside.test', 8080);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, 'no vip')).toBe('no vip');
    socket.destroy();
    expect(accepted.at(-1)).toBe(SLEEP_IP);
  });

  it('counts each lookup in istio_on_demand_dns_total with the source workload and the hostname', async () => {
    const samples = onDemandSamples(await scrape()).filter((s) => s.labels.includes('hostname="api.outside.test"'));
    expect(samples).toHaveLength(1);
    expect(samples[0]?.value).toBe(2);
    for (const label of [
      'source_workload="sleep"', 'source_canonical_service="sleep"', 'source_canonical_revision="latest"', 'source_workload_namespace="default"',
      'source_principal="spiffe://cluster.local/ns/default/sa/sleep"', 'source_app="sleep"', 'source_version="latest"', 'source_cluster="Kubernetes"',
    ]) expect(samples[0]?.labels).toContain(label);
  });

  it('refuses a host that does not resolve with SOCKS5 0x04, logging why, and counts the attempt', async () => {
    const { reply, socket } = await socksConnect(SOCKS, NOWHERE_VIP, 80);
    expect(reply).toBe(4);
    socket.destroy();
    await expect.poll(() => mesh.ztunnel.lines().find((l) => l['msg'] === 'dns lookup failed'), { timeout: 5_000 }).toMatchObject({
      hostname: 'nowhere.outside.test', workload: 'Kubernetes/networking.istio.io/ServiceEntry/default/nowhere/nowhere.outside.test', err: expect.stringMatching(/^ENOTFOUND/),
    });
    const failed = mesh.ztunnel.lines().find((l) => l['msg'] === 'connection failed' && String(l['error'] ?? '').includes('nowhere.outside.test'));
    expect(failed?.['error']).toMatch(/^DNS lookup of nowhere\.outside\.test for workload .* failed: ENOTFOUND/);
    expect(onDemandSamples(await scrape()).find((s) => s.labels.includes('hostname="nowhere.outside.test"'))?.value).toBe(1);
  });
});
