// TCP keepalive against a peer that went silent (root, as CI runs; fails rather than skips without it): sleep on
// node-a holds an idle connection to echo on node-b through HBONE; then node-b drops every packet to 15008 from
// the wire, as a crashed or partitioned peer would. node-a's ztunnel (--keepalive-time 1s, --keepalive-interval
// 1s, --keepalive-retries 2) gives the HBONE connection up within seconds, logs it and closes sleep's connection;
// node-b's (--keepalive-enabled false) still holds its end then, as it would for hours. HBONE's own PINGs start
// after 10 s, later than all of this.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '@ambient/netns';
import {
  completedConnections, createFreshTopology, destroyTopologyAndDir, namespaceCommands, startCapturingZtunnel, startMeshControlPlane, startNodeApp, until,
  waitUntilZtunnelsReady, type NsProcess,
} from './support/netns-mesh.js';

const FAMILY = 'ambztka';
const VIP = '10.96.0.10';
const ECHO_APP = `require('net').createServer((s)=>{s.on('error',()=>{});s.pipe(s)}).listen(8080,process.argv[1],()=>console.log('listening'))`;
// Connects, has one byte echoed, then stays idle and says when and how its connection ended.
const CLIENT = `const s=require('net').connect(8080,process.argv[1],()=>s.write('x'));s.once('data',()=>console.log('echoed'));s.on('error',(e)=>console.log('error '+e.code));s.on('close',()=>console.log('closed'))`;

let topology: Topology;
let dir: string;
const ztunnels: Record<string, NsProcess> = {};

const { ns } = namespaceCommands(() => topology);

/** Resolves with the child's stdout lines as they come. */
function stdoutLines(child: ReturnType<Topology['spawn']>): () => string[] {
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return () => text.split('\n').filter((l) => l !== '');
}

/** Established TCP connections with port 15008 on either end, in a namespace, with their timers (`ss -o`). */
async function hboneConnections(namespace: string): Promise<string[]> {
  const out = await topology.exec(namespace, ['ss', '-Htno', 'state', 'established', '( sport = :15008 or dport = :15008 )']);
  return out.split('\n').filter((l) => l.trim() !== '');
}

beforeAll(async () => {
  topology = await createFreshTopology(FAMILY, { nodes: [{ name: 'node-a', workloads: ['sleep'] }, { name: 'node-b', workloads: ['echo'] }], hosts: ['cp'] });
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-netns-keepalive-'));
  const { stateDir } = await startMeshControlPlane(topology, dir, VIP);
  ztunnels['node-a'] = startCapturingZtunnel(topology, 'node-a', 'cp', dir, stateDir, ['--keepalive-time', '1s', '--keepalive-interval', '1s', '--keepalive-retries', '2']);
  ztunnels['node-b'] = startCapturingZtunnel(topology, 'node-b', 'cp', dir, stateDir, ['--keepalive-enabled', 'false']);
  await startNodeApp(topology, ns('echo'), ECHO_APP, [topology.workload('echo').ip]);
  await waitUntilZtunnelsReady(ztunnels);
}, 60_000);

afterAll(() => destroyTopologyAndDir(topology, dir), 30_000);

describe('TCP keepalive towards a silent HBONE peer', () => {
  it('closes the idle tunnel within seconds with short keepalive, and keeps it with keepalive off', async () => {
    const client = topology.spawn(ns('sleep'), [process.execPath, '-e', CLIENT, topology.workload('echo').ip], { stdio: ['ignore', 'pipe', 'inherit'] });
    const clientSays = stdoutLines(client);
    await until('the byte echoed through the tunnel', () => clientSays().includes('echoed'), 10_000);
    // Each side's HBONE socket as its flags made it: a keepalive timer on node-a's, none on node-b's.
    const [before] = await hboneConnections(ns('node-a'));
    expect(before).toMatch(/timer:\(keepalive,/);
    const [peer, ...more] = await hboneConnections(ns('node-b'));
    expect(more).toEqual([]);
    expect(peer).not.toMatch(/keepalive/);

    // node-b goes silent to node-a: nothing sent to 15008 over the wire arrives, keepalive probes included.
    await topology.exec(ns('node-b'), ['iptables', '-w', '5', '-t', 'raw', '-I', 'PREROUTING', '-i', topology.node('node-b').wireInterface, '-p', 'tcp', '--dport', '15008', '-j', 'DROP']);
    const silentAt = Date.now();

    // 1 s idle, then 2 probes 1 s apart: about 3 s after the last packet.
    const record = await until('node-a logging the tunnel closed', () => completedConnections(ztunnels['node-a'], 'outbound')[0], 8_000);
    const closedAfterMs = Date.now() - silentAt;
    expect(closedAfterMs).toBeLessThan(6_000);
    expect(record).toMatchObject({ 'src.workload': 'sleep', 'dst.addr': `${topology.workload('echo').ip}:15008` });
    expect(record['error']).toBe('read ETIMEDOUT');
    await until("sleep's connection closed by node-a", () => clientSays().includes('closed'), 3_000);
    expect(await hboneConnections(ns('node-a'))).toEqual([]);

    // node-b, without keepalive, still holds its end and has logged nothing about it.
    expect(await hboneConnections(ns('node-b'))).toHaveLength(1);
    expect(completedConnections(ztunnels['node-b'], 'inbound')).toEqual([]);
  }, 20_000);
});
