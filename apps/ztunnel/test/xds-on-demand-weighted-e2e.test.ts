// --xds-on-demand end to end for a service whose waypoints come as weighted_waypoints, with real processes: ambientd
// only as the CA (its YAML cannot express weighted waypoints), a control plane of our own @ambient/xds-server over
// TLS under ambientd's CA serving Addresses under istiod's keys, and ztunnel node-a (sleep 127.0.84.1) on demand.
// A SOCKS5 connection to the canary VIP makes ztunnel look up the service, then every weighted waypoint (one by
// hostname, one by address) and go to one of them; a waypoint the control plane does not know ends its lookup at once
// and arrives when it appears.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server } from '@grpc/grpc-js';
import type { Address } from '@ambient/api/workload';
import { serverCredentials } from '@ambient/grpc';
import { createLogger } from '@ambient/core';
import { nameOf, service, waypointAt, waypointByHost, workload } from '@ambient/mesh-state/testing';
import { XdsServer } from '@ambient/xds-server';
import { startAmbientd, startZtunnelAgainst, waitUntilReady, type Ambientd, type Running } from './support/processes.js';
import { socksConnect } from './support/socks-client.js';
import { waitFor } from './support/wait.js';
import { AMBIENT_NAMESPACE_YAML, workloadEntryYaml } from './support/mesh-yaml.js';

const ADDRESS_TYPE = 'type.googleapis.com/istio.workload.Address';
const AUTHORIZATION_TYPE = 'type.googleapis.com/istio.security.Authorization';
const SLEEP_SOCKS = { host: '127.0.84.1', port: 15080 };
const WP_A_HOST = 'wp-a.default.svc.cluster.local';

const endpointOf = (hostname: string) => ({ services: { [`default/${hostname}`]: { ports: [{ servicePort: 15008, targetPort: 15008 }] } } });
/** Each Address with the keys istiod (and ambientd) serve it under: own addresses, VIPs, a workload's services. */
const RESOURCES: [Address, string[]][] = [
  [workload('sleep', '127.0.84.1', { serviceAccount: 'sleep', node: 'node-a' }), ['/127.0.84.1']],
  [service('canary', '127.96.10.10', { weightedWaypoints: [{ destination: waypointByHost('default', WP_A_HOST), weight: 90 }, { destination: waypointAt('127.0.85.2'), weight: 10 }] }), ['/127.96.10.10']],
  [service('wp-a', '127.96.10.20', { ports: [{ servicePort: 15008, targetPort: 15008 }] }), ['/127.96.10.20']],
  [workload('wp-a', '127.0.85.1', { serviceAccount: 'wp-a', node: 'node-w', ...endpointOf(WP_A_HOST) }), ['/127.0.85.1', `default/${WP_A_HOST}`, '/127.96.10.20']],
  [workload('wp-b', '127.0.85.2', { serviceAccount: 'wp-b', node: 'node-w' }), ['/127.0.85.2']],
  // Its only weighted waypoint is an address the control plane has nothing at.
  [service('orphan', '127.96.10.11', { weightedWaypoints: [{ destination: waypointAt('127.0.85.9'), weight: 1 }] }), ['/127.96.10.11']],
];

let dir: string;
let ambientd: Ambientd;
let ztunnel: Running;
let grpc: Server;
let xds: XdsServer;

interface Dump {
  workloads: { name: string }[];
  services: { hostname: string }[];
}

async function names(): Promise<{ workloads: string[]; services: string[] }> {
  const dump = (await (await fetch(`http://${ztunnel.started['admin'] ?? ''}/config_dump`)).json()) as Dump;
  return { workloads: dump.workloads.map((w) => w.name).sort(), services: dump.services.map((s) => s.hostname).sort() };
}

/** A serving certificate for 127.0.0.1 issued by ambientd's CA (its plug-in files), so ztunnel's --root-cert trusts it. */
function servingCert(stateDir: string): { certChainPem: string; keyPem: string } {
  const key = join(dir, 'xds-key.pem');
  const csr = join(dir, 'xds.csr');
  const cert = join(dir, 'xds-cert.pem');
  const ext = join(dir, 'xds.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:istiod.istio-system.svc\n');
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=istiod', '-keyout', key, '-out', csr], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', join(stateDir, 'ca-cert.pem'), '-CAkey', join(stateDir, 'ca-key.pem'), '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', cert], { stdio: 'ignore' });
  return { certChainPem: readFileSync(cert, 'utf8') + readFileSync(join(stateDir, 'cert-chain.pem'), 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-on-demand-weighted-'));
  const configDir = join(dir, 'config');
  const stateDir = join(dir, 'state');
  mkdirSync(configDir);
  writeFileSync(join(configDir, 'namespace.yaml'), AMBIENT_NAMESPACE_YAML);
  writeFileSync(join(configDir, 'workloads.yaml'), workloadEntryYaml('sleep', '127.0.84.1', 'node-a'));
  ambientd = await startAmbientd(configDir, stateDir);

  xds = new XdsServer({ debounceMs: 1, logger: createLogger({ name: 'test-xds', level: 'silent' }) });
  xds.setResources(ADDRESS_TYPE, new Map(RESOURCES.map(([a, aliases]) => [nameOf(a), { resource: a, aliases }])));
  xds.setResources(AUTHORIZATION_TYPE, new Map());
  grpc = new Server();
  xds.register(grpc);
  const port = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync('127.0.0.1:0', serverCredentials(servingCert(stateDir)), (err, p) => (err ? reject(err) : resolve(p))),
  );

  ztunnel = await startZtunnelAgainst(ambientd, dir, 'node-a', {
    'xds-address': `127.0.0.1:${port}`, 'ca-address': ambientd.started['grpc'] ?? '', 'xds-on-demand': 'true', 'local-workload-addresses': '127.0.84.1',
  });
  await waitUntilReady(ztunnel);
}, 300_000);

afterAll(async () => {
  await ztunnel?.stop();
  await ambientd?.stop();
  xds?.close();
  grpc?.forceShutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ztunnel --xds-on-demand true with weighted waypoints', () => {
  it('starts holding only its own workload', async () => {
    expect(await names()).toEqual({ workloads: ['sleep'], services: [] });
  });

  it('looks up the service, then both weighted waypoints, and sends the connection to one of them', async () => {
    const { reply, socket } = await socksConnect(SLEEP_SOCKS, '127.96.10.10', 80);
    socket.destroy();
    // Nothing listens at either waypoint's 15008: refused (0x05) there, not passed through to the VIP.
    expect(reply).toBe(0x05);
    expect(await names()).toEqual({ workloads: ['sleep', 'wp-a', 'wp-b'], services: ['canary.default.svc.cluster.local', WP_A_HOST] });
    const failed = await waitFor('the failed connection in the access log', () =>
      ztunnel.lines().find((l) => l['msg'] === 'connection complete' && typeof l['error'] === 'string'),
    );
    expect(['127.0.85.1:15008', '127.0.85.2:15008']).toContain(failed['dst.addr']);
    expect(failed['dst.service']).toBe('canary.default.svc.cluster.local');
  });

  it('ends the lookup of a waypoint nobody has at once, and stays subscribed so it arrives once it exists', async () => {
    const started = Date.now();
    const { reply, socket } = await socksConnect(SLEEP_SOCKS, '127.96.10.11', 80);
    socket.destroy();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(reply).not.toBe(0);
    expect((await names()).services).toContain('orphan.default.svc.cluster.local');
    expect(ztunnel.lines().some((l) => l['msg'] === 'on-demand lookup failed; planning without it')).toBe(false);
    // The control plane gains the waypoint: pushed to ztunnel unasked, because the key /127.0.85.9 was looked up.
    const late = workload('wp-late', '127.0.85.9', { serviceAccount: 'wp-late', node: 'node-w' });
    xds.upsert(ADDRESS_TYPE, nameOf(late), { resource: late, aliases: ['/127.0.85.9'] });
    await waitFor('the late waypoint in /config_dump', async () => (await names()).workloads.includes('wp-late'), 10_000);
  });
});
