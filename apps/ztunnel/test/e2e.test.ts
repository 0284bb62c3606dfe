// End to end with real processes: ambientd, ztunnel node-a (sleep 127.0.10.1) and node-b (echo 127.0.20.1), an echo
// app on 127.0.20.1:8080. sleep reaches echo.default.mesh over SOCKS5 → HBONE with both identities in the access logs;
// a DENY policy closes the live connection and refuses new ones with SOCKS reply 0x02; admin endpoints answer.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import { startAmbientd, startZtunnelAgainst, type Ambientd, type Running } from './support/processes.js';
import { roundTrip, socksConnect } from './support/socks-client.js';
import { waitFor } from './support/wait.js';

const QUICKSTART = fileURLToPath(new URL('../../../packages/mesh-config/test/fixtures/quickstart', import.meta.url));
const run = promisify(execFile);
const SLEEP_SOCKS = { host: '127.0.10.1', port: 15080 };

const DENY_SLEEP = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: echo-deny-sleep
  namespace: default
spec:
  selector:
    matchLabels:
      app: echo
  action: DENY
  rules:
    - from:
        - source:
            principals:
              - cluster.local/ns/default/sa/sleep
`;

let dir: string;
let ambientd: Ambientd;
const ztunnels: Record<string, Running> = {};
let echo: net.Server;
const echoPeers: string[] = [];


const get = async (address: string, path: string): Promise<{ status: number; body: string }> => {
  const res = await fetch(`http://${address}${path}`);
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-e2e-'));
  const configDir = join(dir, 'config');
  const stateDir = join(dir, 'state');
  cpSync(QUICKSTART, configDir, { recursive: true });
  // The echo app: answers an HTTP GET (for curl) with who called, echoes any other bytes.
  echo = net.createServer((socket) => {
    echoPeers.push(socket.remoteAddress ?? '');
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      if (first.toString('latin1').startsWith('GET ')) {
        const body = `hello from echo, caller ${socket.remoteAddress ?? ''}\n`;
        socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
        return;
      }
      socket.write(first);
      socket.pipe(socket);
    });
  });
  await new Promise<void>((resolve) => echo.listen(8080, '127.0.20.1', resolve));
  ambientd = await startAmbientd(configDir, stateDir);
  for (const node of ['node-a', 'node-b']) {
    // node-a asks for 2-hour certificates (--secret-ttl); node-b keeps the 24h default.
    ztunnels[node] = await startZtunnelAgainst(ambientd, dir, node, node === 'node-a' ? { 'secret-ttl': '2h' } : {});
  }
  for (const z of Object.values(ztunnels)) await waitFor('readiness', async () => (await get(z.started['readiness'] ?? '', '/healthz/ready')).status === 200, 60_000);
}, 300_000);

afterAll(async () => {
  for (const z of Object.values(ztunnels)) await z.stop();
  await ambientd?.stop();
  echo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const accessLines = (node: string) => ztunnels[node]?.lines().filter((l) => l['msg'] === 'connection complete') ?? [];

describe('two ztunnels and ambientd as processes', () => {
  it('carries sleep → echo.default.mesh over SOCKS5 and HBONE with both identities in the access logs', async () => {
    const { reply, socket } = await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, 'hello through the mesh')).toBe('hello through the mesh');
    socket.end();
    await new Promise((resolve) => socket.once('close', resolve));
    const inbound = await waitFor('the destination access log', () => accessLines('node-b').find((l) => l['direction'] === 'inbound'));
    expect(inbound).toMatchObject({ 'src.identity': SLEEP_ID, 'dst.identity': ECHO_ID, 'dst.workload': 'echo', 'src.workload': 'sleep', 'dst.hbone_addr': '127.0.20.1:8080', bytes_recv: 22, bytes_sent: 22 });
    const outbound = await waitFor('the source access log', () => accessLines('node-a').find((l) => l['direction'] === 'outbound'));
    expect(outbound).toMatchObject({ 'src.identity': SLEEP_ID, 'dst.identity': ECHO_ID, 'dst.addr': '127.0.20.1:15008', 'dst.service': 'echo.default.mesh' });
    // The app sees the source workload's own address, as with ztunnel's source-IP spoofing.
    expect(echoPeers.at(-1)).toBe('127.0.10.1');
    // Access-log lines come from the access module, named on each line.
    expect(inbound['target']).toBe('access');
  });

  it('turns the access log off by module through /logging and back on with reset', async () => {
    const admin = ztunnels['node-b']?.started['admin'] ?? '';
    const post = async (path: string) => (await fetch(`http://${admin}${path}`, { method: 'POST' })).text();
    expect(await post('/logging?level=access:off')).toBe('current log level is info,access=off\n');
    try {
      const before = accessLines('node-b').length;
      const { socket } = await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80);
      expect(await roundTrip(socket, 'unlogged')).toBe('unlogged');
      socket.end();
      await new Promise((resolve) => socket.once('close', resolve));
      // node-a still logs the tunnel (its own levels), so waiting for it bounds the wait for node-b's line that never comes.
      await waitFor('node-a\'s line', () => accessLines('node-a').find((l) => l['bytes_sent'] === 8));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(accessLines('node-b').length).toBe(before);
    } finally {
      expect(await post('/logging?reset')).toBe('current log level is info\n');
    }
  });

  it('runs with the node flags of its shebang, and says so when started without them', async () => {
    const pid = ztunnels['node-a']?.child.pid ?? 0;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(['--min-semi-space-size=16', '--heap-growing-percent=300']));
    const warned = (lines: Record<string, unknown>[]) => lines.find((l) => l['level'] === 'warn' && String(l['msg']).startsWith('node was started without'));
    expect(warned(ztunnels['node-a']?.lines() ?? [])).toBeUndefined();
    // A node with no workloads here: it starts, warns, and stops.
    const plain = await startZtunnelAgainst(ambientd, dir, 'node-c', {}, false);
    try {
      expect(warned(plain.lines())).toMatchObject({ missing: ['--min-semi-space-size=16', '--heap-growing-percent=300'] });
    } finally {
      expect(await plain.stop()).toBe(0);
    }
  }, 120_000);

  it('serves curl --socks5-hostname as ambientctl exec would run it', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '10', '--socks5-hostname', '127.0.10.1:15080', 'http://echo.default.mesh/']);
    expect(stdout).toBe('hello from echo, caller 127.0.10.1\n');
  });

  it('reaches the service by its VIP too', async () => {
    const { reply, socket } = await socksConnect(SLEEP_SOCKS, '127.96.0.10', 80);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, 'by vip')).toBe('by vip');
    socket.destroy();
  });

  it('answers 0x04 for a name the mesh does not know', async () => {
    const { reply } = await socksConnect(SLEEP_SOCKS, 'nowhere.default.mesh', 80);
    expect(reply).toBe(4);
  });

  it('serves /config_dump, /metrics and readiness', async () => {
    const a = ztunnels['node-a']?.started ?? {};
    const dump = JSON.parse((await get(a['admin'] ?? '', '/config_dump')).body) as {
      workloads: { uid: string; name: string; namespace: string; addresses: string[] }[];
      services: unknown[];
      policies: { key: string }[];
      certificates: { identity: string; state: string; certChain: { validFrom: string; expirationTime: string }[] }[];
      staticConfig: unknown;
      version: { version: string; istioVersion: string };
    };
    expect(dump.staticConfig).toBeNull();
    expect(dump.version.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(dump.workloads.map((w) => [w.name, w.namespace, w.addresses]).sort()).toEqual([
      ['echo', 'default', ['127.0.20.1']],
      ['sleep', 'default', ['127.0.10.1']],
    ]);
    expect(dump.services).toHaveLength(1);
    expect(dump.policies.map((p) => p.key)).toEqual(['default/echo-allow-sleep']);
    expect(dump.certificates).toMatchObject([{ identity: SLEEP_ID, state: 'Available' }]);
    // --secret-ttl 2h: the CA was asked for that lifetime (it backdates the start a little for clock skew).
    const leaf = dump.certificates[0]?.certChain[0];
    const lifetimeMin = (Date.parse(leaf?.expirationTime ?? '') - Date.parse(leaf?.validFrom ?? '')) / 60_000;
    expect(lifetimeMin).toBeGreaterThanOrEqual(120);
    expect(lifetimeMin).toBeLessThan(130);
    expect((await get(a['readiness'] ?? '', '/healthz/ready')).status).toBe(200);
    const metrics = (await get(ztunnels['node-b']?.started['metrics'] ?? '', '/metrics')).body;
    expect(metrics).toMatch(/istio_tcp_connections_opened_total\{[^}]*reporter="destination"[^}]*source_principal="spiffe:\/\/cluster.local\/ns\/default\/sa\/sleep"/);
  });

  it('closes a live connection when a DENY policy arrives and refuses new ones with 0x02', async () => {
    const { reply, socket } = await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, 'before')).toBe('before');
    const closed = new Promise((resolve) => socket.once('close', resolve));
    writeFileSync(join(dir, 'config', 'deny.yaml'), DENY_SLEEP);
    await closed;
    const cut = await waitFor('the policy close in the log', () => accessLines('node-b').find((l) => l['error'] === 'connection closed due to policy change'));
    expect(cut).toMatchObject({ 'src.identity': SLEEP_ID });
    expect((await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80)).reply).toBe(2);
    rmSync(join(dir, 'config', 'deny.yaml'));
    await waitFor('the DENY policy to go', async () => {
      const { reply, socket: next } = await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80);
      next.destroy();
      return reply === 0;
    });
  });

  it('drains on SIGTERM: refuses new connections, lets the open one finish, exits 0', async () => {
    const node = ztunnels['node-a'];
    const { reply, socket } = await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80);
    expect(reply).toBe(0);
    node?.child.kill('SIGTERM');
    await waitFor('the drain to start', () => node?.lines().some((l) => l['msg'] === 'draining'));
    await expect(socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await roundTrip(socket, 'still open while draining')).toBe('still open while draining');
    expect(node?.child.exitCode).toBeNull();
    socket.end();
    expect(await node?.exited).toBe(0);
  });
});
