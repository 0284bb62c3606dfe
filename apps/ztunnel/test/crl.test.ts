// --crl-path end to end: ambientd and one ztunnel process serving the quickstart workloads (sleep 127.0.18.1, echo
// 127.0.28.1) and a third, other (127.0.38.1, also allowed to echo), with CRLs made by openssl with ambientd's CA key.
// Revoking sleep's certificate refuses its new tunnels in the TLS handshake (echo's side checks the client
// certificate) and closes the one open, while other's tunnel goes on; revoking echo's closes the open tunnels towards
// it from the clients' side. Each closing is logged, counted in istio_crl_policy_rejections_total by reporter, and
// each tunnel's access log says why; all by rewriting the file while ztunnel runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeCrl } from './support/crl.js';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import { workloadEntryYaml } from './support/mesh-yaml.js';
import { startAmbientd, startZtunnelAgainst, waitUntilReady, type Ambientd, type Running } from './support/processes.js';
import { writeQuickstart } from './support/quickstart.js';
import { roundTrip, socksConnect } from './support/socks-client.js';

const SLEEP_SOCKS = { host: '127.0.18.1', port: 15080 };
const OTHER_SOCKS = { host: '127.0.38.1', port: 15080 };
const ECHO = { host: '127.0.28.1', port: 8080 };
const REVOKED = 'connection closed due to certificate revocation';

/** A third workload on node-a, which echo's policy lets in as well. */
const OTHER = workloadEntryYaml('other', OTHER_SOCKS.host, 'node-a');

let dir: string;
let stateDir: string;
let crlPath: string;
let ambientd: Ambientd;
let ztunnel: Running;
let app: net.Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-crl-e2e-'));
  const configDir = writeQuickstart(join(dir, 'config'), {
    '127.0.10.1': SLEEP_SOCKS.host,
    '127.0.20.1': ECHO.host,
    'ambient.dev/node: node-b': 'ambient.dev/node: node-a',
    '- cluster.local/ns/default/sa/sleep': '- cluster.local/ns/default/sa/sleep\n              - cluster.local/ns/default/sa/other',
  });
  writeFileSync(join(configDir, 'other.yaml'), OTHER);
  stateDir = join(dir, 'state');
  ambientd = await startAmbientd(configDir, stateDir);
  crlPath = join(dir, 'crl.pem');
  writeCrl(stateDir, [], crlPath);
  ztunnel = await startZtunnelAgainst(ambientd, dir, 'node-a', { 'crl-path': crlPath });
  await waitUntilReady(ztunnel);
  app = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => app.listen(ECHO.port, ECHO.host, resolve));
}, 300_000);

afterAll(async () => {
  app?.close();
  await ztunnel?.stop();
  await ambientd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The SOCKS5 reply to a new tunnel from `via` (sleep's listener by default) to echo (0 once it echoes a byte). */
async function tunnel(via = SLEEP_SOCKS): Promise<number> {
  const { reply, socket } = await socksConnect(via, 'echo.default.mesh', 80);
  try {
    if (reply === 0) expect(await roundTrip(socket, 'x')).toBe('x');
    return reply;
  } finally {
    socket.destroy();
  }
}

/** A tunnel to echo that stays open, checked with a round trip; `closed` settles when ztunnel ends it. */
async function openTunnel(via: { host: string; port: number }): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const { reply, socket } = await socksConnect(via, 'echo.default.mesh', 80);
  expect(reply).toBe(0);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  expect(await roundTrip(socket, 'open')).toBe('open');
  return { socket, closed };
}

async function serialOf(sa: string): Promise<string> {
  const dump = (await (await fetch(`http://${ztunnel.started['admin'] ?? ''}/config_dump`)).json()) as { certificates: { identity: string; certChain: { serialNumber: string }[] }[] };
  const serial = dump.certificates.find((c) => c.identity.endsWith(`/sa/${sa}`))?.certChain[0]?.serialNumber;
  if (!serial) throw new Error(`no certificate for ${sa} in ${JSON.stringify(dump.certificates)}`);
  return serial;
}

/** The value of `name` with these labels on /metrics (0 when the series is absent). */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`http://${ztunnel.started['metrics'] ?? ''}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((pair) => l.slice(0, l.lastIndexOf('}') + 1).includes(pair)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const rejections = (reporter: string): Promise<number> => metric('istio_crl_policy_rejections_total', { reporter });

/** Resolves with whether `closed` settled within `ms`. */
async function closesWithin(closed: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([closed.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}

/** An empty list in force again, and both clients' tunnels through (each test starts from here). */
async function clearList(): Promise<void> {
  writeCrl(stateDir, [], crlPath);
  await vi.waitFor(async () => expect([await tunnel(), await tunnel(OTHER_SOCKS)]).toEqual([0, 0]), { timeout: 20_000, interval: 200 });
}

describe('ztunnel --crl-path', () => {
  beforeEach(clearList, 30_000);

  it('closes the open tunnel of a client just revoked (inbound), refuses its new ones, and leaves other clients alone', async () => {
    const sleep = await openTunnel(SLEEP_SOCKS);
    const other = await openTunnel(OTHER_SOCKS);
    const before = await rejections('destination');
    const beforeSource = await rejections('source');
    const closedFlag = { reporter: 'destination', response_flags: 'CERT_REVOKED', source_principal: SLEEP_ID };
    const closedBefore = await metric('istio_tcp_connections_closed_total', closedFlag);

    writeCrl(stateDir, [await serialOf('sleep')], crlPath);
    expect(await closesWithin(sleep.closed, 20_000)).toBe(true);
    // One session closed on the destination side (echo's, whose client is sleep); nothing on the source side.
    expect(await rejections('destination')).toBe(before + 1);
    expect(await rejections('source')).toBe(beforeSource);
    expect(await metric('istio_crl_untracked_connections_total', {})).toBe(0);
    await vi.waitFor(() => {
      const closing = ztunnel.lines().find((l) => l['msg'] === 'closing HBONE connection: peer certificate revoked by CRL update');
      expect(closing).toMatchObject({ level: 'info', direction: 'inbound', peer: SLEEP_ID, revoked: 'leaf', reason: REVOKED });
    }, { timeout: 5_000, interval: 50 });
    await vi.waitFor(() => {
      const access = ztunnel.lines().filter((l) => l['msg'] === 'connection complete' && l['error'] === REVOKED);
      expect(access).toContainEqual(expect.objectContaining({ direction: 'inbound', 'src.identity': SLEEP_ID, 'dst.workload': 'echo' }));
    }, { timeout: 5_000, interval: 50 });
    expect(await metric('istio_tcp_connections_closed_total', closedFlag)).toBe(closedBefore + 1);

    // other's tunnel, over a session of its own, is untouched.
    expect(await roundTrip(other.socket, 'still')).toBe('still');
    expect(await closesWithin(other.closed, 500)).toBe(false);
    // 0x05: a new tunnel fails in the handshake (TLS_FAILURE), echo's side refusing sleep's certificate and counting it.
    expect(await tunnel()).toBe(5);
    expect(await rejections('destination')).toBe(before + 2);
    expect(await tunnel(OTHER_SOCKS)).toBe(0);
    other.socket.destroy();
  }, 90_000);

  it('closes the open tunnels towards a server just revoked (outbound), from each client\'s side', async () => {
    const sleep = await openTunnel(SLEEP_SOCKS);
    const other = await openTunnel(OTHER_SOCKS);
    const before = { source: await rejections('source'), destination: await rejections('destination') };

    writeCrl(stateDir, [await serialOf('echo')], crlPath);
    expect(await closesWithin(sleep.closed, 20_000)).toBe(true);
    expect(await closesWithin(other.closed, 5_000)).toBe(true);
    // Two client sessions (sleep's and other's) towards echo closed on the source side; echo's clients are fine.
    expect(await rejections('source')).toBe(before.source + 2);
    expect(await rejections('destination')).toBe(before.destination);
    await vi.waitFor(() => {
      const closing = ztunnel.lines().filter((l) => l['msg'] === 'closing HBONE connection: peer certificate revoked by CRL update' && l['direction'] === 'outbound');
      expect(closing.map((l) => l['peer'])).toEqual([ECHO_ID, ECHO_ID]);
      const access = ztunnel.lines().filter((l) => l['msg'] === 'connection complete' && l['error'] === REVOKED && l['direction'] === 'outbound');
      expect(access.map((l) => l['src.workload']).sort()).toEqual(['other', 'sleep']);
    }, { timeout: 5_000, interval: 50 });

    // A new tunnel: sleep's side refuses echo's certificate in the handshake, and counts it.
    expect(await tunnel()).toBe(5);
    expect(await rejections('source')).toBe(before.source + 3);
  }, 90_000);
});
