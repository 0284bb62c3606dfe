// iptables capture for real (root, as CI runs; fails rather than skips without it): ambientd on the wire, two
// ztunnel processes with --capture iptables in node namespaces, sleep (node-a) and echo (node-b) in their own.
// Unchanged apps — curl, iperf3 — reach echo by pod IP and by VIP through HBONE; a DENY policy refuses; tcpdump on
// node-a's wire shows TLS on 15008 and never the payload, which the same capture on sleep's veth does show. node-a
// runs with --dns-capture: dig in sleep asks a resolver address that exists nowhere and gets mesh names from
// ztunnel, other names from dnsmasq on the control-plane host.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '@ambient/netns';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import {
  captureDuring, completedConnections, countPackets, createFreshTopology, destroyTopologyAndDir, HTTP_ECHO_APP, namespaceCommands, policy,
  startCapturingZtunnel, startMeshControlPlane, startNodeApp, until, waitUntilZtunnelsReady, writeWorkloads, type NsProcess,
} from './support/netns-mesh.js';

const FAMILY = 'ambztcap';
const VIP = '10.96.0.10';
/** The resolver the workloads are told to use: no namespace has it, so only capture can answer. */
const CLUSTER_DNS = '10.96.0.53';

let topology: Topology;
let dir: string;
const ztunnels: Record<string, NsProcess> = {};

const { ns, curl } = namespaceCommands(() => topology);
const echoIp = (): string => topology.workload('echo').ip;
const accessLogs = (node: string, direction: string) => completedConnections(ztunnels[node], direction);

/** Resolves on the first chunk a piped stream of a child gives (a server saying it listens). */
async function firstChunk(stream: NodeJS.ReadableStream | null): Promise<void> {
  if (!stream) throw new Error('the child has no pipe to read');
  await once(stream, 'data');
}


beforeAll(async () => {
  topology = await createFreshTopology(FAMILY, {
    nodes: [{ name: 'node-a', workloads: ['sleep', 'stranger'] }, { name: 'node-b', workloads: ['echo', 'neighbor'] }],
    hosts: ['cp'],
  });
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-netns-'));
  const { stateDir } = await startMeshControlPlane(topology, dir, VIP, ['sleep', 'neighbor']);
  const cpIp = topology.host('cp').wireIp;
  const dnsmasq = topology.spawn(topology.host('cp').namespace, [
    'dnsmasq', '--keep-in-foreground', '--log-queries', '--log-facility=-', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--user=root', '--pid-file=',
    `--listen-address=${cpIp}`, '--bind-interfaces', '--address=/outside.example/127.5.5.5',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  await firstChunk(dnsmasq.stderr);
  ztunnels['node-a'] = startCapturingZtunnel(topology, 'node-a', 'cp', dir, stateDir, ['--dns-capture', 'true', '--dns-upstream', `${cpIp}:53`]);
  ztunnels['node-b'] = startCapturingZtunnel(topology, 'node-b', 'cp', dir, stateDir);
  await startNodeApp(topology, ns('echo'), HTTP_ECHO_APP, [echoIp()]);
  await waitUntilZtunnelsReady(ztunnels);
}, 240_000);

// Kills every process inside (ztunnels, ambientd, apps, tcpdump) and deletes the namespaces with their rules.
afterAll(() => destroyTopologyAndDir(topology, dir), 60_000);

describe('--capture iptables in network namespaces', () => {
  it('installs its rules in the node namespace', async () => {
    const rules = await topology.exec(ns('node-a'), ['iptables', '-w', '5', '-t', 'nat', '-S']);
    expect(rules).toContain('-A PREROUTING -j AMBIENT_PREROUTING');
    expect(rules).toContain('-A AMBIENT_PREROUTING -i vw+ -p tcp -j REDIRECT --to-ports 15001');
    // Source preservation: packets of transparent sockets are marked and the mark is routed to the node itself.
    expect(await topology.exec(ns('node-a'), ['iptables', '-w', '5', '-t', 'mangle', '-S'])).toContain('-A AMBIENT_PREROUTING -p tcp -m socket --transparent -j MARK --set-xmark 0x539/0xffffffff');
    const ipRules = await topology.exec(ns('node-a'), ['ip', 'rule']);
    expect(ipRules).toMatch(/from all fwmark 0x539 lookup 133/);
    // Same-node HBONE: replies of the 15008 listener to a borrowed source, routed by their loopback source.
    expect(ipRules).toMatch(/from 127\.0\.0\.1 iif lo ipproto tcp sport 15008 lookup 133/);
    expect(await topology.exec(ns('node-a'), ['ip', 'route', 'show', 'table', '133'])).toMatch(/^local default dev lo/m);
  });

  it('answers sleep\'s DNS queries from the mesh and from upstream, whichever resolver address it asks', async () => {
    const dig = (from: string, ...args: string[]): Promise<string> => topology.exec(ns(from), ['dig', `@${CLUSTER_DNS}`, '+tries=1', '+time=5', '+noall', '+comments', '+answer', ...args]);
    expect(await topology.exec(ns('node-a'), ['iptables', '-w', '5', '-t', 'nat', '-S'])).toContain('-A AMBIENT_PREROUTING -i vw+ -p udp -m udp --dport 53 -j REDIRECT --to-ports 15053');
    const mesh = await dig('sleep', 'echo.default.mesh');
    expect(mesh).toMatch(/status: NOERROR/);
    expect(mesh).toMatch(new RegExp(`^echo\\.default\\.mesh\\.\\s+30\\s+IN\\s+A\\s+${VIP.replaceAll('.', '\\.')}$`, 'm'));
    const searched = await dig('sleep', '+tcp', 'echo.default.mesh.default.svc.cluster.local');
    expect(searched).toMatch(/^echo\.default\.mesh\.default\.svc\.cluster\.local\.\s+30\s+IN\s+CNAME\s+echo\.default\.mesh\.$/m);
    expect(await dig('sleep', 'www.outside.example')).toMatch(/^www\.outside\.example\.\s+0\s+IN\s+A\s+127\.5\.5\.5$/m);
    // stranger is on node-a but no mesh workload: its queries are refused, not answered as anyone's.
    expect(await dig('stranger', 'echo.default.mesh')).toMatch(/status: REFUSED/);
  });

  it('carries curl from sleep to echo\'s pod IP over HBONE, with both identities in the access logs', async () => {
    const body = await curl('sleep', `http://${echoIp()}:8080/`);
    // Source preserved end to end: node-a's HBONE leaves from sleep's address, node-b connects to the app as it.
    expect(body).toBe(`hello from echo, got [] from ${topology.workload('sleep').ip}\n`);
    const inbound = await until('node-b\'s inbound access log', () => accessLogs('node-b', 'inbound').find((l) => l['dst.addr'] === `${echoIp()}:8080` || l['dst.hbone_addr'] === `${echoIp()}:8080`));
    expect(inbound).toMatchObject({ 'src.identity': SLEEP_ID, 'dst.identity': ECHO_ID, 'dst.workload': 'echo' });
    const outbound = await until('node-a\'s outbound access log', () => accessLogs('node-a', 'outbound')[0]);
    expect(outbound).toMatchObject({ 'src.identity': SLEEP_ID, 'dst.identity': ECHO_ID, 'dst.addr': `${echoIp()}:15008`, 'src.workload': 'sleep' });
  });

  it('reaches echo by its service VIP', async () => {
    expect(await curl('sleep', `http://${VIP}/`)).toMatch(/^hello from echo/);
    const viaVip = await until('an outbound log naming the service', () => accessLogs('node-a', 'outbound').find((l) => l['dst.service'] === 'echo.default.mesh'));
    expect(viaVip['dst.addr']).toBe(`${echoIp()}:15008`);
  });

  it('carries a 1-second iperf3 run through the tunnel', async () => {
    const server = topology.spawn(ns('echo'), ['iperf3', '-s', '-1', '--forceflush', '-B', echoIp(), '-p', '5201'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await firstChunk(server.stdout);
    const report = JSON.parse(await topology.exec(ns('sleep'), ['iperf3', '-c', echoIp(), '-p', '5201', '-t', '1', '-J'])) as { end: { sum_received: { bytes: number; bits_per_second: number } } };
    expect(report.end.sum_received.bytes).toBeGreaterThan(1_000_000);
    await until('iperf3 in node-b\'s access log', () => accessLogs('node-b', 'inbound').find((l) => String(l['dst.addr']).endsWith(':5201') || String(l['dst.hbone_addr']).endsWith(':5201')));
  }, 30_000);

  it('puts only TLS on port 15008 on the wire: the payload seen on sleep\'s veth never crosses in clear', async () => {
    const payload = `PAYLOAD-${randomBytes(8).toString('hex')}`;
    const { wire: wireFile = '', veth: vethFile = '' } = await captureDuring(topology, ns('node-a'), dir, { wire: topology.node('node-a').wireInterface, veth: topology.workload('sleep').nodeInterface }, 'tcp', async () => {
      expect(await curl('sleep', '--data-binary', payload, `http://${echoIp()}:8080/`)).toContain(`got [${payload}]`);
    });
    const count = countPackets;
    // The check can see a payload: on the workload's own veth the request is plain HTTP.
    expect(readFileSync(vethFile).includes(payload)).toBe(true);
    expect(readFileSync(wireFile).includes(payload)).toBe(false);
    expect(await count(wireFile, 'tcp port 15008')).toBeGreaterThan(0);
    // TLS application-data records (content type 23) at the start of segments on 15008.
    expect(await count(wireFile, 'tcp port 15008 and tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0x17')).toBeGreaterThan(0);
    // Nothing else between the nodes during the request (15012 is xDS/CA to ambientd, itself TLS).
    expect(await count(wireFile, 'not port 15008 and not port 15012')).toBe(0);
  }, 30_000);

  it('keeps the way back open after the client half-closes (the answer may follow its FIN)', async () => {
    // A client that sends its whole request, then shuts its write side before reading: with a half-closed capture
    // socket the reply was lost.
    const client = [
      'import socket, sys',
      `s = socket.create_connection(("${echoIp()}", 8080), timeout=10)`,
      's.sendall(b"GET /half-close HTTP/1.0\\r\\nHost: echo\\r\\n\\r\\n")',
      's.shutdown(socket.SHUT_WR)',
      'data = b""',
      'while True:',
      '    chunk = s.recv(65536)',
      '    if not chunk: break',
      '    data += chunk',
      'sys.stdout.write(data.decode())',
    ].join('\n');
    expect(await topology.exec(ns('sleep'), ['/usr/bin/python3', '-c', client])).toMatch(/hello from echo/);
  });

  it('carries a workload to another on the same node through this ztunnel\'s own 15008 (the OUTPUT rule), from the caller\'s own address', async () => {
    // Source preserved on the same node too: the looped-back tunnel leaves from neighbor's address, and echo sees it.
    expect(await curl('neighbor', `http://${echoIp()}:8080/`)).toBe(`hello from echo, got [] from ${topology.workload('neighbor').ip}\n`);
    const local = await until('node-b\'s inbound log for neighbor', () => accessLogs('node-b', 'inbound').find((l) => l['src.identity'] === 'spiffe://cluster.local/ns/default/sa/neighbor'));
    expect(local).toMatchObject({ 'dst.identity': ECHO_ID, 'dst.workload': 'echo', 'src.workload': 'neighbor' });
    expect(String(local['src.addr'])).toMatch(new RegExp(`^${topology.workload('neighbor').ip.replaceAll('.', '\\.')}:`));
    expect(accessLogs('node-b', 'outbound').find((l) => l['src.workload'] === 'neighbor')).toMatchObject({ 'dst.addr': `${echoIp()}:15008` });
  });

  it('closes an outbound connection from an address that is no mesh workload after waiting 5 s for it, and logs why', { timeout: 20_000 }, async () => {
    await expect(curl('stranger', `http://${echoIp()}:8080/`)).rejects.toThrow(/curl .* failed \(exit (52|56)\)/);
    const closed = await until('the refusal in node-a\'s log', () => ztunnels['node-a']?.lines().find((l) => l['msg'] === 'captured connection closed'));
    expect(closed).toMatchObject({ direction: 'outbound', reason: `source ${topology.workload('stranger').ip} is no local workload served here (waited 5 s for it)`, dst: `${echoIp()}:8080` });
  });

  it('holds a connection that comes before its workload is known, and carries it once the workload arrives', { timeout: 30_000 }, async () => {
    // curl starts while stranger is still no workload; a second later the mesh gains it (xDS, then its certificate).
    const started = curl('stranger', `http://${echoIp()}:8080/`).then(() => 'answered', (err: Error) => err.message);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    writeWorkloads(join(dir, 'config'), topology, ['sleep', 'neighbor', 'stranger', 'echo']);
    await started;
    // Carried, not closed: node-a logs the tunnel with stranger as source. (echo's policy does not list stranger, so
    // node-b may refuse it with 401; what matters here is that node-a did not drop it.)
    const carried = await until('node-a\'s outbound log for stranger', () => accessLogs('node-a', 'outbound').find((l) => l['src.workload'] === 'stranger'));
    expect(carried).toMatchObject({ 'src.identity': 'spiffe://cluster.local/ns/default/sa/stranger', 'dst.addr': `${echoIp()}:15008` });
    expect(ztunnels['node-a']?.lines().filter((l) => l['msg'] === 'captured connection closed' && l['direction'] === 'outbound' && String(l['src']).startsWith(`${topology.workload('stranger').ip}:`))).toHaveLength(1);
  });

  it('closes a connection dialled to 15001 itself (not redirected: no destination to carry it to), and logs why', async () => {
    // The node's own address is exempt from capture, so sleep reaches the listener directly.
    await expect(curl('sleep', `http://${topology.workload('sleep').gateway}:15001/`)).rejects.toThrow(/failed \(exit (52|56)\)/);
    const closed = await until('the refusal in node-a\'s log', () => ztunnels['node-a']?.lines().find((l) => l['msg'] === 'captured connection closed' && String(l['reason']).startsWith('not redirected')));
    expect(closed).toMatchObject({ direction: 'outbound', reason: 'not redirected by the capture rules (no original destination)' });
  });

  it('takes plaintext from outside the mesh on 15006 and applies echo\'s policy without a peer identity', async () => {
    await expect(topology.exec(topology.host('cp').namespace, ['curl', '-sS', '--max-time', '10', `http://${echoIp()}:8080/`])).rejects.toThrow(/failed \(exit (52|56)\)/);
    // Refused by the policy check, so counted and logged in full (response_flags DENY), without identities.
    const denied = await until('the plaintext refusal', () => accessLogs('node-b', 'inbound').find((l) => String(l['src.addr']).startsWith(`${topology.host('cp').wireIp}:`)));
    expect(denied).toMatchObject({ 'dst.addr': `${echoIp()}:8080`, 'dst.workload': 'echo', error: 'allow policies exist, but none allowed' });
    expect(denied['src.identity']).toBeUndefined();
  });

  it('refuses sleep once a DENY policy for it arrives', { timeout: 40_000 }, async () => {
    writeFileSync(join(dir, 'config', 'deny.yaml'), policy('echo-deny-sleep', 'DENY'));
    await until('node-b to know the DENY policy', async () => (await topology.exec(ns('node-b'), ['curl', '-sS', 'http://127.0.0.1:15000/config_dump'])).includes('echo-deny-sleep'));
    await expect(curl('sleep', `http://${echoIp()}:8080/`)).rejects.toThrow(/failed \(exit (52|56)\)/);
    const denied = await until('the 401 in node-a\'s access log', () => accessLogs('node-a', 'outbound').find((l) => l['src.identity'] === SLEEP_ID && String(l['error']).includes('401')));
    expect(denied).toMatchObject({ 'src.identity': SLEEP_ID, 'dst.identity': ECHO_ID, bytes_sent: 0 });
    const refused = await until('the refusal in node-b\'s log', () => accessLogs('node-b', 'inbound').find((l) => l['src.identity'] === SLEEP_ID && String(l['error']).includes('denied')));
    expect(refused).toMatchObject({ 'dst.addr': `${echoIp()}:15008`, 'dst.workload': 'echo', error: 'explicitly denied by: default/echo-deny-sleep' });
  });

  it('drains on SIGTERM and exits 0, failing closed: the rules stay, so sleep is refused rather than sent in clear', { timeout: 30_000 }, async () => {
    const z = ztunnels['node-a'];
    z?.child.kill('SIGTERM');
    const [code] = (await once(z?.child as NonNullable<typeof z>['child'], 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(await topology.exec(ns('node-a'), ['iptables', '-w', '5', '-t', 'nat', '-S'])).toContain('-A PREROUTING -j AMBIENT_PREROUTING');
    // curl exit 7: connection refused by node-a (nothing listens on 15001 any more); echo never sees it.
    await expect(curl('sleep', `http://${echoIp()}:8080/`)).rejects.toThrow(/failed \(exit 7\)/);
  });
});
