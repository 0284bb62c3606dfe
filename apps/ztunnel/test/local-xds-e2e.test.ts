// --local-xds-path end to end with real processes: two ztunnels with xDS off (`--xds-address ''`, Istio's
// XDS_ADDRESS="") take their workloads, service and policy from one file in ztunnel's LocalConfig format, and still
// get certificates from ambientd's CA (which knows the same identities on the same nodes). sleep reaches echo by the
// file's service name over SOCKS5 → HBONE; the file's ALLOW-every-port-but-9999 policy refuses port 9999 (reply 0x02).
// A bad file stops ztunnel with exit code 2, naming the file and the field.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import { startAmbientd, startZtunnelAgainst, type Ambientd, type Running } from './support/processes.js';
import { writeQuickstart } from './support/quickstart.js';
import { roundTrip, socksConnect } from './support/socks-client.js';
import { waitFor } from './support/wait.js';

const SLEEP = '127.0.37.1';
const ECHO = '127.0.47.1';
// Addresses ambientd never hears of: these workloads exist only in the local file.
const LOCAL_CONFIG = `
workloads:
- uid: Kubernetes//v1/Pod/default/sleep-local
  name: sleep-local
  namespace: default
  serviceAccount: sleep
  workloadIps: ["${SLEEP}"]
  protocol: HBONE
  node: node-a
- uid: Kubernetes//v1/Pod/default/echo-local
  name: echo-local
  namespace: default
  serviceAccount: echo
  workloadIps: ["${ECHO}"]
  protocol: HBONE
  node: node-b
  services:
    "default/echo.local.mesh":
      80: 8080
      9999: 9999
services:
- name: echo
  namespace: default
  hostname: echo.local.mesh
  vips: [/127.96.37.10]
  ports:
    80: 8080
    9999: 9999
  subjectAltNames: [spiffe://cluster.local/ns/default/sa/echo]
policies:
- name: allow-all-but-9999
  namespace: default
  scope: Namespace
  action: Allow
  rules:
  - - - notDestinationPorts: [9999]
`;

let dir: string;
let ambientd: Ambientd;
const ztunnels: Record<string, Running> = {};
const apps: net.Server[] = [];


const ready = async (z: Running): Promise<boolean> => (await fetch(`http://${z.started['readiness'] ?? ''}/healthz/ready`)).status === 200;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-local-xds-'));
  const stateDir = join(dir, 'state');
  // ambientd is only the CA here; its quickstart places the sleep and echo identities on node-a and node-b.
  ambientd = await startAmbientd(writeQuickstart(join(dir, 'config'), { '127.0.10.1': '127.0.38.1', '127.0.20.1': '127.0.48.1' }), stateDir);
  for (const port of [8080, 9999]) {
    const app = net.createServer((socket) => socket.on('error', () => undefined).pipe(socket));
    await new Promise<void>((resolve) => app.listen(port, ECHO, resolve));
    apps.push(app);
  }
  const localFile = join(dir, 'local.yaml');
  writeFileSync(localFile, LOCAL_CONFIG);
  await Promise.all(['node-a', 'node-b'].map(async (node) => {
    ztunnels[node] = await startZtunnelAgainst(ambientd, dir, node, { 'xds-address': '', 'ca-address': ambientd.started['grpc'] ?? '', 'local-xds-path': localFile });
  }));
  for (const z of Object.values(ztunnels)) await waitFor('readiness', () => ready(z), 30_000);
}, 120_000);

afterAll(async () => {
  for (const z of Object.values(ztunnels)) await z.stop();
  await ambientd?.stop();
  for (const app of apps) app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ztunnels fed by --local-xds-path, with xDS off', () => {
  it('loads the file and is ready on certificates alone', async () => {
    for (const z of Object.values(ztunnels)) {
      expect(z.lines().find((l) => l['msg'] === 'local config loaded')).toMatchObject({ addresses: 3, policies: 1 });
      expect(z.lines().some((l) => l['msg'] === 'xDS synced')).toBe(false);
    }
    const dump = (await (await fetch(`http://${ztunnels['node-a']?.started['admin'] ?? ''}/config_dump`)).json()) as {
      workloads: { name: string }[];
      policies: unknown[];
      staticConfig: { workloads: { name: string }[]; services: { hostname: string }[]; policies: { name: string }[] };
      version: { version: string };
    };
    expect(dump.workloads.map((w) => w.name).sort()).toEqual(['echo-local', 'sleep-local']);
    expect(dump.policies).toHaveLength(1);
    // The file as written, as ztunnel's staticConfig shows it.
    expect(dump.staticConfig.workloads.map((w) => w.name)).toEqual(['sleep-local', 'echo-local']);
    expect(dump.staticConfig.services.map((x) => x.hostname)).toEqual(['echo.local.mesh']);
    expect(dump.staticConfig.policies.map((p) => p.name)).toEqual(['allow-all-but-9999']);
    expect(dump.version.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('carries sleep → echo.local.mesh over SOCKS5 and HBONE with both identities', async () => {
    const { reply, socket } = await socksConnect({ host: SLEEP, port: 15080 }, 'echo.local.mesh', 80);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, 'hello from the file')).toBe('hello from the file');
    socket.end();
    const inbound = await waitFor('the access log on node-b', () =>
      ztunnels['node-b']?.lines().find((l) => l['msg'] === 'connection complete' && l['direction'] === 'inbound'));
    expect(inbound).toMatchObject({
      'src.identity': SLEEP_ID, 'dst.identity': ECHO_ID,
      'src.workload': 'sleep-local', 'dst.workload': 'echo-local', 'dst.hbone_addr': `${ECHO}:8080`,
    });
  });

  it('refuses port 9999 by the file\'s policy (SOCKS5 reply 0x02), though the app listens there', async () => {
    const direct = net.connect(9999, ECHO);
    await new Promise((resolve, reject) => direct.once('connect', resolve).once('error', reject));
    direct.destroy();
    const { reply, socket } = await socksConnect({ host: SLEEP, port: 15080 }, 'echo.local.mesh', 9999);
    socket.destroy();
    expect(reply).toBe(2);
    const denied = await waitFor('the refusal on node-b', () =>
      ztunnels['node-b']?.lines().find((l) => l['msg'] === 'connection complete' && l['direction'] === 'inbound' && l['dst.hbone_addr'] === `${ECHO}:9999`));
    expect(String(denied['error'])).toMatch(/allow policies exist, but none allowed/);
  });
});

describe('a bad --local-xds-path', () => {
  const bin = fileURLToPath(new URL('../bin/ztunnel.js', import.meta.url));

  it('exits 2 with one sentence naming the file and the field', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, LOCAL_CONFIG.replace(`workloadIps: ["${ECHO}"]`, 'workloadIps: ["1.2.3"]'));
    const args = ['--node', 'node-a', '--token-file', bin, '--root-cert', bin, '--xds-address', '', '--ca-address', '127.0.0.1:1', '--local-xds-path', file];
    const failure = await promisify(execFile)(process.execPath, [bin, ...args]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure?.stderr).toContain(`ztunnel: --local-xds-path ${file} is not a valid local config: workloads[1].workloadIps[0]: "1.2.3" is not an IP address`);
  });
});
