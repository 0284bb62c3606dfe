// --xds-on-demand end to end with real processes: ambientd, ztunnel node-a (sleep 127.0.81.1) and node-b (echo
// 127.0.82.1), both on demand with their local workload named by --local-workload-addresses; a third workload
// (bystander, node-c, no ztunnel) that nobody asks for. Traffic sleep → echo over SOCKS5 works by VIP and by name;
// each ztunnel holds only what it looked up; an address or name nobody has fails as it does without on-demand.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLEEP_ID } from './support/identities.js';
import { startAmbientd, startZtunnelAgainst, waitUntilReady, type Ambientd, type Running } from './support/processes.js';
import { roundTrip, socksConnect } from './support/socks-client.js';
import { waitFor } from './support/wait.js';
import { AMBIENT_NAMESPACE_YAML, serviceEntryYaml, workloadEntryYaml } from './support/mesh-yaml.js';

const SLEEP_SOCKS = { host: '127.0.81.1', port: 15080 };


const CONFIG: Record<string, string> = {
  'namespace.yaml': AMBIENT_NAMESPACE_YAML,
  'workloads.yaml': [workloadEntryYaml('sleep', '127.0.81.1', 'node-a'), workloadEntryYaml('echo', '127.0.82.1', 'node-b'), workloadEntryYaml('bystander', '127.0.83.1', 'node-c')].join('---\n'),
  'services.yaml': [serviceEntryYaml('echo', '127.96.9.10', 8080), serviceEntryYaml('bystander', '127.96.9.11')].join('---\n'),
  'policies.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: echo-allow-sleep
  namespace: default
spec:
  selector:
    matchLabels:
      app: echo
  action: ALLOW
  rules:
    - from:
        - source:
            principals: [cluster.local/ns/default/sa/sleep]
`,
};

let dir: string;
let ambientd: Ambientd;
const ztunnels: Record<string, Running> = {};
let echo: net.Server;


interface Dump {
  workloads: { name: string }[];
  services: { hostname: string }[];
  policies: unknown[];
  stagedServices: Record<string, Record<string, unknown>>;
}

async function configDump(node: string): Promise<Dump> {
  const res = await fetch(`http://${ztunnels[node]?.started['admin'] ?? ''}/config_dump`);
  return (await res.json()) as Dump;
}

const names = (dump: Dump) => ({ workloads: dump.workloads.map((w) => w.name).sort(), services: dump.services.map((s) => s.hostname).sort() });
const accessLines = (node: string) => ztunnels[node]?.lines().filter((l) => l['msg'] === 'connection complete') ?? [];

async function echoThrough(host: string, port: number, text: string): Promise<void> {
  const { reply, socket } = await socksConnect(SLEEP_SOCKS, host, port);
  expect(reply).toBe(0);
  expect(await roundTrip(socket, text)).toBe(text);
  socket.end();
  await new Promise((resolve) => socket.once('close', resolve));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-on-demand-'));
  const configDir = join(dir, 'config');
  const stateDir = join(dir, 'state');
  mkdirSync(configDir);
  for (const [file, text] of Object.entries(CONFIG)) writeFileSync(join(configDir, file), text);
  echo = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(8080, '127.0.82.1', resolve));
  ambientd = await startAmbientd(configDir, stateDir);
  const local: Record<string, string> = { 'node-a': '127.0.81.1', 'node-b': '127.0.82.1' };
  for (const node of ['node-a', 'node-b']) ztunnels[node] = await startZtunnelAgainst(ambientd, dir, node, { 'xds-on-demand': 'true', 'local-workload-addresses': local[node] ?? '' });
  for (const z of Object.values(ztunnels)) await waitUntilReady(z);
}, 300_000);

afterAll(async () => {
  for (const z of Object.values(ztunnels)) await z.stop();
  await ambientd?.stop();
  echo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ztunnel --xds-on-demand true', () => {
  it('starts holding its own workload and every policy, nothing else of the mesh', async () => {
    expect(names(await configDump('node-a'))).toEqual({ workloads: ['sleep'], services: [] });
    expect(names(await configDump('node-b'))).toEqual({ workloads: ['echo'], services: [] });
    expect((await configDump('node-a')).policies).toHaveLength(1);
  });

  it('shows its own workload staged under a service it has not looked up (ztunnel stagedServices), until it has', async () => {
    const uid = 'Kubernetes/networking.istio.io/WorkloadEntry/default/echo';
    expect((await configDump('node-b')).stagedServices).toEqual({
      'default/echo.default.mesh': { [uid]: { workloadUid: uid, port: { '80': 8080 }, status: 'Healthy' } },
    });
    expect((await configDump('node-a')).stagedServices).toEqual({});
  });

  it('carries sleep → echo by VIP, looking up the service with its workload; the far side looks up the source', async () => {
    await echoThrough('127.96.9.10', 80, 'by VIP, on demand');
    expect(names(await configDump('node-a'))).toEqual({ workloads: ['echo', 'sleep'], services: ['echo.default.mesh'] });
    expect((await configDump('node-a')).stagedServices).toEqual({});
    const inbound = await waitFor('the destination access log', () => accessLines('node-b').find((l) => l['direction'] === 'inbound'));
    // node-b knew nothing of sleep before: the source workload in its log came from a lookup of /127.0.81.1.
    expect(inbound).toMatchObject({ 'src.workload': 'sleep', 'dst.workload': 'echo', 'src.identity': SLEEP_ID });
    expect(names(await configDump('node-b')).workloads).toEqual(['echo', 'sleep']);
  });

  it('carries sleep → echo by name and by pod address', async () => {
    await echoThrough('echo.default.mesh', 80, 'by name');
    await echoThrough('127.0.82.1', 8080, 'by pod address');
    const dump = names(await configDump('node-a'));
    expect(dump.workloads).not.toContain('bystander');
    expect(dump.services).not.toContain('bystander.default.mesh');
  });

  it('fails a name nobody has with 0x04 and an address nobody has as plain passthrough, both without waiting long', async () => {
    let started = Date.now();
    const unknownName = await socksConnect(SLEEP_SOCKS, 'nobody.default.mesh', 80);
    expect(unknownName.reply).toBe(0x04);
    expect(Date.now() - started).toBeLessThan(3_000);
    unknownName.socket.destroy();
    // Not in the mesh: passed through to the address itself, where nothing listens (connection refused, 0x05).
    started = Date.now();
    const unknownIp = await socksConnect(SLEEP_SOCKS, '127.0.89.89', 9);
    expect(unknownIp.reply).toBe(0x05);
    expect(Date.now() - started).toBeLessThan(3_000);
    unknownIp.socket.destroy();
    expect(names(await configDump('node-a')).workloads).toEqual(['echo', 'sleep']);
    expect(ztunnels['node-a']?.lines().some((l) => l['msg'] === 'on-demand lookup failed; planning without it')).toBe(false);
  });
});
