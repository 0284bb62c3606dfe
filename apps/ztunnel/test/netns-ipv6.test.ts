// iptables capture over IPv6 for real (root, as CI runs; fails rather than skips without it): a dual-stack topology
// whose mesh knows sleep, neighbor and echo by their IPv6 addresses and echo's service by an IPv6 VIP. Unchanged
// curl reaches echo by pod IP and by VIP through HBONE between nodes and on one node, the app sees its caller's own
// IPv6 address (source preservation over ip6tables and `ip -6` rules), the DNS proxy answers AAAA on an IPv6
// resolver address, and tcpdump on the wire sees IPv6 only on 15008. The control plane stays on IPv4.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '@ambient/netns';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import {
  captureDuring, completedConnections, countPackets, createFreshTopology, destroyTopologyAndDir, HTTP_ECHO_APP, namespaceCommands, startCapturingZtunnel,
  startMeshControlPlane, startNodeApp, until, waitUntilZtunnelsReady, type NsProcess,
} from './support/netns-mesh.js';

const FAMILY = 'ambztcap6';
const VIP = 'fd96::10';
/** The resolver the workloads are told to use: no namespace has it, so only capture can answer. */
const CLUSTER_DNS = 'fd96::53';

let topology: Topology;
let dir: string;
const ztunnels: Record<string, NsProcess> = {};

const { ns, curl } = namespaceCommands(() => topology);
const ip6 = (workload: string): string => topology.workload(workload).ip6 ?? '';
const accessLogs = (node: string, direction: string) => completedConnections(ztunnels[node], direction);


beforeAll(async () => {
  topology = await createFreshTopology(FAMILY, {
    nodes: [{ name: 'node-a', workloads: ['sleep'] }, { name: 'node-b', workloads: ['echo', 'neighbor'] }],
    hosts: ['cp'],
    ipv6: true,
  });
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-netns6-'));
  const { stateDir } = await startMeshControlPlane(topology, dir, VIP, ['sleep', 'neighbor'], 6);
  ztunnels['node-a'] = startCapturingZtunnel(topology, 'node-a', 'cp', dir, stateDir, ['--dns-capture', 'true', '--dns-upstream', `${topology.host('cp').wireIp}:53`]);
  ztunnels['node-b'] = startCapturingZtunnel(topology, 'node-b', 'cp', dir, stateDir);
  await startNodeApp(topology, ns('echo'), HTTP_ECHO_APP, [ip6('echo')]);
  await waitUntilZtunnelsReady(ztunnels);
}, 240_000);

afterAll(() => destroyTopologyAndDir(topology, dir), 60_000);

describe('--capture iptables over IPv6', () => {
  it('installs the ip6tables rules and IPv6 routing rules beside the IPv4 ones, and listens on [::]', async () => {
    const installed = await until('the capture log line', () => ztunnels['node-a']?.lines().find((l) => l['msg'] === 'iptables capture installed'));
    expect(installed['ipv6']).toBe(true);
    const nat = await topology.exec(ns('node-a'), ['ip6tables', '-w', '5', '-t', 'nat', '-S']);
    expect(nat).toContain('-A PREROUTING -j AMBIENT_PREROUTING');
    expect(nat).toContain('-A AMBIENT_PREROUTING -i vw+ -p tcp -j REDIRECT --to-ports 15001');
    expect(nat).toContain('-A AMBIENT_OUTPUT -o vw+ -p tcp -m tcp --dport 15008 -j REDIRECT --to-ports 15008');
    expect(await topology.exec(ns('node-a'), ['ip6tables', '-w', '5', '-t', 'mangle', '-S'])).toContain('-A AMBIENT_PREROUTING -p tcp -m socket --transparent -j MARK --set-xmark 0x539/0xffffffff');
    const rules = await topology.exec(ns('node-a'), ['ip', '-6', 'rule']);
    expect(rules).toMatch(/from all fwmark 0x539 lookup 133/);
    expect(rules).toMatch(/from ::1 iif lo ipproto tcp sport 15008 lookup 133/);
    expect(await topology.exec(ns('node-a'), ['ip', '-6', 'route', 'show', 'table', '133'])).toMatch(/^local default dev lo/m);
    const listening = await topology.exec(ns('node-a'), ['ss', '-Hltn']);
    for (const port of [15001, 15006, 15008]) {
      expect(listening).toContain(`0.0.0.0:${port}`);
      expect(listening).toContain(`[::]:${port}`);
    }
  });

  it('carries curl from sleep to echo\'s IPv6 pod address over HBONE, and echo sees sleep\'s own IPv6 address', async () => {
    const body = await curl('sleep', `http://[${ip6('echo')}]:8080/`);
    expect(body).toBe(`hello from echo, got [] from ${ip6('sleep')}\n`);
    const inbound = await until('node-b\'s inbound access log', () => accessLogs('node-b', 'inbound').find((l) => l['src.workload'] === 'sleep'));
    expect(inbound).toMatchObject({ 'src.identity': SLEEP_ID, 'dst.identity': ECHO_ID, 'dst.workload': 'echo' });
    const outbound = await until('node-a\'s outbound access log', () => accessLogs('node-a', 'outbound')[0]);
    expect(outbound).toMatchObject({ 'src.identity': SLEEP_ID, 'dst.identity': ECHO_ID, 'src.workload': 'sleep' });
    expect(String(outbound['dst.addr'])).toBe(`[${ip6('echo')}]:15008`);
  });

  it('reaches echo by its IPv6 service VIP', async () => {
    expect(await curl('sleep', '-d', 'via-vip', `http://[${VIP}]/`)).toBe(`hello from echo, got [via-vip] from ${ip6('sleep')}\n`);
    await until('an outbound log naming the service', () => accessLogs('node-a', 'outbound').find((l) => l['dst.service'] === 'echo.default.mesh'));
  });

  it('carries HBONE between two workloads of one node over IPv6, source preserved (the ::1 routing rule)', async () => {
    expect(await curl('neighbor', `http://[${ip6('echo')}]:8080/`)).toBe(`hello from echo, got [] from ${ip6('neighbor')}\n`);
    const inbound = await until('node-b\'s inbound log of neighbor', () => accessLogs('node-b', 'inbound').find((l) => l['src.workload'] === 'neighbor'));
    expect(inbound['src.identity']).toBe('spiffe://cluster.local/ns/default/sa/neighbor');
  });

  it('answers AAAA for a mesh service on an IPv6 resolver address no namespace has', async () => {
    const answer = await topology.exec(ns('sleep'), ['dig', `@${CLUSTER_DNS}`, '+tries=1', '+time=5', '+noall', '+comments', '+answer', 'AAAA', 'echo.default.mesh']);
    expect(answer).toMatch(/status: NOERROR/);
    expect(answer).toMatch(/^echo\.default\.mesh\.\s+30\s+IN\s+AAAA\s+fd96::10$/m);
  });

  it('puts only TLS on 15008 on the wire over IPv6: the payload seen on sleep\'s veth never crosses in clear', async () => {
    const payload = `PAYLOAD6-${randomBytes(8).toString('hex')}`;
    const { wire6: wireFile = '', veth6: vethFile = '' } = await captureDuring(topology, ns('node-a'), dir, { wire6: topology.node('node-a').wireInterface, veth6: topology.workload('sleep').nodeInterface }, 'ip6 and tcp', async () => {
      expect(await curl('sleep', '--data-binary', payload, `http://[${ip6('echo')}]:8080/`)).toContain(`got [${payload}]`);
    });
    const count = countPackets;
    // The check can see a payload: on the workload's own veth the request is plain HTTP over IPv6.
    expect(readFileSync(vethFile).includes(payload)).toBe(true);
    expect(readFileSync(wireFile).includes(payload)).toBe(false);
    expect(await count(wireFile, 'tcp port 15008')).toBeGreaterThan(0);
    expect(await count(wireFile, 'not port 15008')).toBe(0);
  }, 30_000);
});
