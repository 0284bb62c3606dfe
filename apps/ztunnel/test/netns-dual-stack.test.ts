// Dual-stack workloads in iptables capture (root, as CI runs; fails rather than skips without it): sleep and echo
// each have an IPv4 and an IPv6 address. The mesh's YAML cannot say that (a WorkloadEntry has one address, as in
// Istio), so both ztunnels take their workloads and echo's dual-stack service from a --local-xds-path file, with
// xDS off; ambientd is only their CA. Unchanged curl reaches echo over each family, by pod IP and by VIP, through
// HBONE; each way the app sees sleep's own address of that family (the workload is served at both addresses, and
// leaves from the one matching its destination).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '@ambient/netns';
import { SLEEP_ID } from './support/identities.js';
import {
  completedConnections, createFreshTopology, destroyTopologyAndDir, GRPC_PORT, namespaceCommands, startCapturingZtunnel, startMeshControlPlane,
  startNodeApp, until, waitUntilZtunnelsReady, type NsProcess,
} from './support/netns-mesh.js';

const FAMILY = 'ambztds';
const VIP4 = '10.96.0.10';
const VIP6 = 'fd96::10';
// Listens on [::] without IPv6-only: IPv4 callers show as ::ffff:a.b.c.d.
const ECHO_APP = `require('http').createServer((q,s)=>s.end('from '+q.socket.remoteAddress+'\\n')).listen(8080,'::',()=>console.log('listening'))`;

let topology: Topology;
let dir: string;
const ztunnels: Record<string, NsProcess> = {};

const { ns, curl: curlFrom } = namespaceCommands(() => topology);
const curl = (...args: string[]): Promise<string> => curlFrom('sleep', ...args);
const accessLogs = (node: string, direction: string) => completedConnections(ztunnels[node], direction);

/** ztunnel's LocalConfig (Istio's localhost.yaml format): both workloads with both addresses, echo's service on both VIPs. */
function localConfig(): string {
  const workload = (name: string, extra = ''): string => {
    const w = topology.workload(name);
    return `- uid: Kubernetes//v1/Pod/default/${name}
  name: ${name}
  namespace: default
  serviceAccount: ${name}
  workloadIps: ["${w.ip}", "${w.ip6 ?? ''}"]
  protocol: HBONE
  node: ${w.node}
${extra}`;
  };
  return `workloads:
${workload('sleep')}${workload('echo', '  services:\n    "default/echo.default.mesh":\n      80: 8080\n')}services:
- name: echo
  namespace: default
  hostname: echo.default.mesh
  vips: ["/${VIP4}", "/${VIP6}"]
  ports:
    80: 8080
  subjectAltNames: [spiffe://cluster.local/ns/default/sa/echo]
`;
}

beforeAll(async () => {
  topology = await createFreshTopology(FAMILY, { nodes: [{ name: 'node-a', workloads: ['sleep'] }, { name: 'node-b', workloads: ['echo'] }], hosts: ['cp'], ipv6: true });
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-dual-stack-'));
  // ambientd places the sleep and echo identities on their nodes, so its CA signs them; the data comes from the file.
  const { stateDir } = await startMeshControlPlane(topology, dir, VIP4, ['sleep']);
  const localFile = join(dir, 'local.yaml');
  writeFileSync(localFile, localConfig());
  const ca = `${topology.host('cp').wireIp}:${GRPC_PORT}`;
  for (const node of ['node-a', 'node-b']) ztunnels[node] = startCapturingZtunnel(topology, node, 'cp', dir, stateDir, ['--xds-address', '', '--ca-address', ca, '--local-xds-path', localFile]);
  await startNodeApp(topology, ns('echo'), ECHO_APP);
  await waitUntilZtunnelsReady(ztunnels);
}, 240_000);

afterAll(() => destroyTopologyAndDir(topology, dir), 60_000);

describe('dual-stack workloads in iptables capture', () => {
  const sleep = () => topology.workload('sleep');
  const echo = () => topology.workload('echo');

  it.each([
    ['IPv4 pod IP', () => `http://${echo().ip}:8080/`, () => `from ::ffff:${sleep().ip}\n`],
    ['IPv6 pod IP', () => `http://[${echo().ip6 ?? ''}]:8080/`, () => `from ${sleep().ip6 ?? ''}\n`],
    ['IPv4 VIP', () => `http://${VIP4}/`, () => `from ::ffff:${sleep().ip}\n`],
    ['IPv6 VIP', () => `http://[${VIP6}]/`, () => `from ${sleep().ip6 ?? ''}\n`],
  ])('carries sleep to echo by its %s over HBONE, leaving from sleep\'s address of that family', async (_what, url, expected) => {
    const before = accessLogs('node-b', 'inbound').length;
    expect(await curl(url())).toBe(expected());
    const inbound = await until('node-b\'s inbound access log', () => accessLogs('node-b', 'inbound').slice(before).find((l) => l['src.workload'] === 'sleep'));
    expect(inbound).toMatchObject({ 'src.identity': SLEEP_ID, 'dst.workload': 'echo' });
  });

  it('serves each workload at both addresses', () => {
    const serving = ztunnels['node-a']?.lines().find((l) => l['msg'] === 'serving local workload');
    expect(serving).toMatchObject({ address: sleep().ip });
    // A connection from sleep's IPv6 address was taken as sleep's (above), not held as an unknown source.
    expect(ztunnels['node-a']?.lines().filter((l) => l['msg'] === 'captured connection closed')).toEqual([]);
  });
});
