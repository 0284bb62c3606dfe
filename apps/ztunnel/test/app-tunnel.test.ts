// application_tunnel end to end, in-process on loopback: sleep → HBONE → a workload whose app takes a PROXY v2
// header on its own port. The app's received bytes are read back by the independent Python parser.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationTunnel_Protocol } from '@ambient/api/workload';
import { meshOf, service, waypointAt, workload } from '@ambient/mesh-state/testing';
import type { MeshState } from '@ambient/mesh-state';
import { createTestCa } from '@ambient/spiffe/testing';
import { WorkloadProxy } from '../src/workload-proxy.js';
import { workloadOf } from './plan/mesh.js';
import { SLEEP_ID } from './support/identities.js';
import { socksConnect } from './support/socks-client.js';
import { testContext, type TestContext } from './support/in-process.js';

const PARSER = fileURLToPath(new URL('./py/proxy_v2_parse.py', import.meta.url));
const SLEEP_IP = '127.8.4.1';
const WP_IP = '127.8.5.1';
const PLAIN_IP = '127.8.6.1';
const PORTS = { hbone: 26108, socks: 26180, plaintext: 26106 };
const PROXY_PORT = 26188;
const NONE_PORT = 26189;

let state: MeshState;
let test: TestContext;
const proxies: WorkloadProxy[] = [];
const apps: net.Server[] = [];
const received = new Map<number, Buffer[]>();

/** An app that records everything each connection sends, per listening port, and closes after the client. */
async function recordingApp(host: string, port: number): Promise<void> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.once('end', () => {
      received.set(port, [...(received.get(port) ?? []), Buffer.concat(chunks)]);
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  apps.push(server);
}

beforeAll(async () => {
  const ca = createTestCa();
  const waypoint = waypointAt(WP_IP);
  waypoint.hboneMtlsPort = PORTS.hbone;
  state = meshOf(
    workload('sleep', SLEEP_IP, { serviceAccount: 'sleep' }),
    workload('wp', WP_IP, { serviceAccount: 'waypoint', applicationTunnel: { protocol: ApplicationTunnel_Protocol.PROXY, port: PROXY_PORT } }),
    workload('plainapp', PLAIN_IP, { serviceAccount: 'plainapp', applicationTunnel: { protocol: ApplicationTunnel_Protocol.NONE, port: NONE_PORT } }),
    service('reviews', '127.96.8.20', { waypoint }),
  );
  test = testContext(state, '', PORTS);
  await recordingApp(WP_IP, PROXY_PORT);
  await recordingApp(PLAIN_IP, NONE_PORT);
  for (const [name, ip, sa] of [['sleep', SLEEP_IP, 'sleep'], ['wp', WP_IP, 'waypoint'], ['plainapp', PLAIN_IP, 'plainapp']] as const) {
    proxies.push(await WorkloadProxy.start(test.ctx, workloadOf(state, name), ip, ca.issueSvid(`spiffe://cluster.local/ns/default/sa/${sa}`)));
  }
});

afterAll(async () => {
  for (const p of proxies) await p.close(0);
  test?.ctx.inbound.close();
  for (const a of apps) a.close();
});

/** Sends `payload` from sleep to host:port through SOCKS5, half-closes, and returns what the app at `appPort` got. */
async function deliver(host: string, port: number, payload: string, appPort: number): Promise<Buffer> {
  const before = received.get(appPort)?.length ?? 0;
  const { reply, socket } = await socksConnect({ host: SLEEP_IP, port: PORTS.socks }, host, port);
  expect(reply).toBe(0);
  socket.end(payload);
  socket.resume();
  await expect.poll(() => received.get(appPort)?.length ?? 0).toBe(before + 1);
  socket.destroy();
  return received.get(appPort)?.[before] as Buffer;
}

function parse(bytes: Buffer): Record<string, unknown> {
  return JSON.parse(execFileSync('/usr/bin/python3', [PARSER], { input: bytes, encoding: 'utf8' })) as Record<string, unknown>;
}

describe('application_tunnel PROXY', () => {
  it('sends the original source, the pod target and the peer identity before the payload', async () => {
    const bytes = await deliver(WP_IP, 8080, 'hello app', PROXY_PORT);
    const header = parse(bytes);
    expect(header).toMatchObject({
      version: 2, command: 'PROXY', family: 1, transport: 1, destination: [WP_IP, 8080],
      tlvs: [[0xd0, Buffer.from(SLEEP_ID).toString('hex')]], rest: 'hello app'.length,
    });
    expect((header['source'] as [string, number])[0]).toBe(SLEEP_IP);
    expect(bytes.subarray(bytes.length - 9).toString()).toBe('hello app');
  });

  it('as a waypoint: the service VIP the client dialled is the header destination (target check relaxed)', async () => {
    const bytes = await deliver('127.96.8.20', 80, 'via waypoint', PROXY_PORT);
    expect(parse(bytes)).toMatchObject({ destination: ['127.96.8.20', 80], rest: 'via waypoint'.length });
  });
});

describe('application_tunnel NONE', () => {
  it('delivers the payload verbatim on the tunnel port', async () => {
    const bytes = await deliver(PLAIN_IP, 8080, 'no header', NONE_PORT);
    expect(bytes.toString()).toBe('no header');
  });
});
