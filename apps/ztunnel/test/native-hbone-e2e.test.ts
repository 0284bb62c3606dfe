// A Node service in the mesh with no proxy: `native` (127.0.39.1, a WorkloadEntry with no node) mints a workload token with the
// state directory's key as `ambientd create-token` does, fetches its own SVID from ambientd's CA, serves HBONE on
// 127.0.39.1:15008 with @ambient/hbone and dials echo's ztunnel with it. Real ambientd and ztunnels node-a (sleep
// 127.0.19.1) and node-b (echo 127.0.29.1) as processes. sleep → native over SOCKS5 and ztunnel-a, native → echo
// over ztunnel-b, both identities in the access logs; a DENY policy on echo answers native's CONNECT with 401; a
// client certificate from another CA is refused at native's handshake, and native expecting the wrong identity of
// echo fails in the handshake, before any CONNECT.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaClient, CaGrpcError } from '@ambient/ca-grpc';
import { HboneClient, HboneError, HboneServer, type TlsMaterial } from '@ambient/hbone';
import { mintToken, tlsMaterialFromSvid, type Svid } from '@ambient/spiffe';
import { createTestCa, issueTestSvid } from '@ambient/spiffe/testing';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import { serviceEntryYaml, workloadEntryYaml } from './support/mesh-yaml.js';
import { policy } from './support/netns-mesh.js';
import { readText, startAmbientd, startZtunnelAgainst, waitUntilReady, type Ambientd, type Running } from './support/processes.js';
import { writeQuickstart } from './support/quickstart.js';
import { roundTrip, socksConnect } from './support/socks-client.js';
import { waitFor } from './support/wait.js';

const NATIVE_ID = 'spiffe://cluster.local/ns/default/sa/native';
const SLEEP_SOCKS = { host: '127.0.19.1', port: 15080 };
const ECHO_APP = { host: '127.0.29.1', port: 8080 };
const NATIVE = { host: '127.0.39.1', hbonePort: 15008, appPort: 8080 };
const NATIVE_VIP = '127.96.0.39';
const DENY_NATIVE = policy('echo-deny-native', 'DENY', ['native']);

let dir: string;
let configDir: string;
let ambientd: Ambientd;
const ztunnels: Record<string, Running> = {};
/** What beforeAll started, each with how to stop it; afterAll stops them last first. */
const teardown: (() => unknown)[] = [];
let nativeSvid: Svid;
let nativeClient: HboneClient;
/** The peer identity of every tunnel native's handler saw. */
const nativePeers: string[] = [];
/** OpenSSL's verdict on each client chain native's server refused. */
const nativeRefusals: (string | undefined)[] = [];
/** Connections echo's app accepted. */
let echoAccepted = 0;

/** A TCP echo app on `address`; `onAccept` sees each connection. */
async function startEchoApp(host: string, port: number, onAccept: () => void = () => undefined): Promise<void> {
  const server = net.createServer((socket) => {
    onAccept();
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  teardown.push(() => server.close());
}

/** native's own SVID: a workload token (no node) for default/native, then CreateCertificate for its own identity. */
async function fetchNativeSvid(): Promise<Svid> {
  const token = await mintToken({ stateDir: ambientd.stateDir, namespace: 'default', serviceAccount: 'native' });
  const ca = new CaClient({ address: ambientd.started['grpc'] ?? '', rootPem: readText(ambientd.rootCertFile), token, impersonate: false, trustAnchors: readText(ambientd.rootCertFile) });
  try {
    return await ca.fetchSvid(NATIVE_ID);
  } finally {
    ca.close();
  }
}

/** native's HBONE server: records who called and splices to its app, which listens on native's own address. */
async function startNativeServer(tls: TlsMaterial): Promise<HboneServer> {
  const server = new HboneServer({
    tls,
    handler: (request) => {
      nativePeers.push(request.peerIdentity);
      if (request.authority.port !== NATIVE.appPort) return { kind: 'unreachable', reason: `native serves port ${NATIVE.appPort} only` };
      return net.connect({ host: NATIVE.host, port: NATIVE.appPort, allowHalfOpen: true });
    },
    onHandshakeError: (_err, authorizationError) => nativeRefusals.push(authorizationError),
  });
  await server.listen(NATIVE.hbonePort, NATIVE.host);
  return server;
}

/** A tunnel from native to echo's app through ztunnel-b, leaving from native's address. */
function dialEcho(client: HboneClient, expectedIdentities = [ECHO_ID]) {
  return client.connect({ nextHop: { host: ECHO_APP.host, port: 15008 }, authority: `${ECHO_APP.host}:${ECHO_APP.port}`, expectedIdentities, sourceIp: NATIVE.host });
}

/** `text` echoed back over a granted tunnel, which this side then ends; resolves once it has closed. */
async function echoThenClose(tunnel: Duplex, text: string): Promise<string> {
  const echoed = await roundTrip(tunnel, text);
  const closed = new Promise((resolve) => tunnel.once('close', resolve));
  tunnel.end();
  await closed;
  return echoed;
}

/** What a dial came to: its error, or undefined once it opened (the tunnel is closed again at once). */
function failureOf(dial: Promise<Duplex>): Promise<unknown> {
  return dial.then(
    (tunnel) => {
      tunnel.destroy();
      return undefined;
    },
    (err: unknown) => err,
  );
}

const accessLines = (node: string) => ztunnels[node]?.lines().filter((l) => l['msg'] === 'connection complete') ?? [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-native-hbone-'));
  configDir = writeQuickstart(join(dir, 'config'), {
    '127.0.10.1': SLEEP_SOCKS.host,
    '127.0.20.1': ECHO_APP.host,
    '- cluster.local/ns/default/sa/sleep': '- cluster.local/ns/default/sa/sleep\n              - cluster.local/ns/default/sa/native',
  });
  writeFileSync(join(configDir, 'native.yaml'), `${workloadEntryYaml('native', NATIVE.host)}---\n${serviceEntryYaml('native', NATIVE_VIP, NATIVE.appPort)}`);
  await startEchoApp(ECHO_APP.host, ECHO_APP.port, () => echoAccepted++);
  await startEchoApp(NATIVE.host, NATIVE.appPort);
  ambientd = await startAmbientd(configDir, join(dir, 'state'));
  teardown.push(() => ambientd.stop());
  for (const node of ['node-a', 'node-b']) {
    const ztunnel = await startZtunnelAgainst(ambientd, dir, node);
    ztunnels[node] = ztunnel;
    teardown.push(() => ztunnel.stop());
  }
  for (const z of Object.values(ztunnels)) await waitUntilReady(z);
  nativeSvid = await fetchNativeSvid();
  const material = tlsMaterialFromSvid(nativeSvid);
  const server = await startNativeServer(material);
  teardown.push(() => server.drain(1_000));
  const client = new HboneClient({ tls: material });
  nativeClient = client;
  teardown.push(() => client.close());
}, 300_000);

afterAll(async () => {
  for (const stop of teardown.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a Node service with its own SVID and HBONE, next to ztunnels', () => {
  it('is a workload with no node, reached over HBONE, in the ztunnels\' view of the mesh', async () => {
    const dump = (await (await fetch(`http://${ztunnels['node-a']?.started['admin'] ?? ''}/config_dump`)).json()) as { workloads: { name: string; node: string; tunnelProtocol: string; addresses: string[] }[] };
    expect(dump.workloads.find((w) => w.name === 'native')).toMatchObject({ node: '', tunnelProtocol: 'HBONE', addresses: [NATIVE.host] });
  });

  it('gets its certificate for its own identity with a workload token, and may not ask for another\'s', async () => {
    expect(nativeSvid.identity).toBe(NATIVE_ID);
    const token = await mintToken({ stateDir: ambientd.stateDir, namespace: 'default', serviceAccount: 'native' });
    const ca = new CaClient({ address: ambientd.started['grpc'] ?? '', rootPem: readText(ambientd.rootCertFile), token });
    try {
      // Impersonating sleep: only trusted node accounts (istio-system/ztunnel) with a node may.
      await expect(ca.fetchSvid(SLEEP_ID)).rejects.toThrow(CaGrpcError);
      await expect(ca.fetchSvid(SLEEP_ID)).rejects.toThrow(/may not impersonate/);
    } finally {
      ca.close();
    }
  });

  it('takes sleep\'s tunnel from ztunnel-a: bytes echo back, native sees sleep\'s identity, ztunnel-a logs native\'s', async () => {
    const { reply, socket } = await socksConnect(SLEEP_SOCKS, 'native.default.mesh', 80);
    expect(reply).toBe(0);
    expect(await echoThenClose(socket, 'sleep to native')).toBe('sleep to native');
    expect(nativePeers.at(-1)).toBe(SLEEP_ID);
    const outbound = await waitFor('ztunnel-a\'s access log', () => accessLines('node-a').find((l) => l['direction'] === 'outbound' && l['dst.workload'] === 'native'));
    expect(outbound).toMatchObject({
      'src.identity': SLEEP_ID, 'src.workload': 'sleep', 'dst.identity': NATIVE_ID,
      'dst.addr': `${NATIVE.host}:${NATIVE.hbonePort}`, 'dst.service': 'native.default.mesh', bytes_sent: 15, bytes_recv: 15,
    });
    // No ztunnel serves native: node-b never saw the tunnel.
    expect(accessLines('node-b').filter((l) => l['dst.workload'] === 'native')).toEqual([]);
  });

  it('reaches echo through ztunnel-b, which logs native as the source principal', async () => {
    expect(await echoThenClose(await dialEcho(nativeClient), 'native to echo')).toBe('native to echo');
    const inbound = await waitFor('ztunnel-b\'s access log', () => accessLines('node-b').find((l) => l['direction'] === 'inbound' && l['src.identity'] === NATIVE_ID));
    expect(inbound).toMatchObject({ 'src.workload': 'native', 'dst.identity': ECHO_ID, 'dst.workload': 'echo', 'dst.hbone_addr': `${ECHO_APP.host}:${ECHO_APP.port}`, bytes_recv: 14, bytes_sent: 14 });
  });

  it('is answered 401 (HBONE_ERR_DENIED) while a DENY policy on echo names native, and let in once it goes', async () => {
    const policy = join(configDir, 'deny-native.yaml');
    writeFileSync(policy, DENY_NATIVE);
    try {
      const refused = await waitFor('the DENY policy to reach ztunnel-b', () => failureOf(dialEcho(nativeClient)), 20_000, 100);
      expect(refused).toBeInstanceOf(HboneError);
      expect(refused).toMatchObject({ code: 'HBONE_ERR_DENIED', status: 401 });
      const denial = await waitFor('ztunnel-b\'s line for the denial', () => accessLines('node-b').find((l) => l['src.identity'] === NATIVE_ID && l['error'] !== undefined));
      expect(denial['error']).toContain('default/echo-deny-native');
    } finally {
      rmSync(policy);
    }
    const tunnel = await waitFor('the DENY policy to go', () => dialEcho(nativeClient).catch(() => undefined), 20_000, 100);
    expect(await echoThenClose(tunnel, 'let in again')).toBe('let in again');
    // Its access-log line, so that none of this test's tunnels is still to be logged when the next test counts.
    await waitFor('ztunnel-b\'s line for the tunnel let in again', () => accessLines('node-b').find((l) => l['src.identity'] === NATIVE_ID && l['bytes_recv'] === 12));
  }, 60_000);

  it('refuses in its handshake a client whose certificate another CA signed, even one naming sleep', async () => {
    const before = { peers: nativePeers.length, refusals: nativeRefusals.length };
    const forged = tlsMaterialFromSvid(issueTestSvid(SLEEP_ID, createTestCa()));
    // The forger trusts the mesh root, so it is native that says no.
    const forger = new HboneClient({ tls: { ...forged, ca: readText(ambientd.rootCertFile) }, connectTimeoutMs: 5_000 });
    try {
      const err = await failureOf(forger.connect({ nextHop: { host: NATIVE.host, port: NATIVE.hbonePort }, authority: `${NATIVE.host}:${NATIVE.appPort}`, expectedIdentities: [NATIVE_ID] }));
      expect(err).toBeInstanceOf(HboneError);
    } finally {
      forger.close();
    }
    await waitFor('native\'s handshake refusal', () => nativeRefusals.length > before.refusals);
    expect(nativeRefusals.at(-1)).toMatch(/UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_SIGNATURE_FAILURE/);
    expect(nativePeers.length).toBe(before.peers);
  });

  it('fails in the handshake, before any CONNECT, when echo\'s ztunnel is not the identity native expects', async () => {
    const before = { accepted: echoAccepted, lines: accessLines('node-b').length };
    const err = await failureOf(dialEcho(nativeClient, [SLEEP_ID]));
    expect(err).toBeInstanceOf(HboneError);
    expect(err).toMatchObject({ code: 'HBONE_ERR_PEER_IDENTITY' });
    expect((err as Error).message).toContain(ECHO_ID);
    // A tunnel that reached ztunnel-b would have opened a connection to echo's app and left an access-log line.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(echoAccepted).toBe(before.accepted);
    expect(accessLines('node-b').slice(before.lines)).toEqual([]);
  });
});
