// Two WorkloadProxy instances in-process on loopback (sleep 127.0.11.1 → echo 127.0.21.1) over one MeshState and
// a test CA: certificate rotation under live tunnels, a workload removed mid-connection, CONNECT to an address that
// is not local (400), plaintext inbound with and without policy, and the drain of a proxy with an open tunnel.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HboneClient, HboneError } from '@ambient/hbone';
import { meshOf, service, workload } from '@ambient/mesh-state/testing';
import { tlsMaterialFromSvid, type CertificateAuthority } from '@ambient/spiffe';
import { createTestCa } from '@ambient/spiffe/testing';
import type { MeshState, WorkloadRecord } from '@ambient/mesh-state';
import type { ProxyContext } from '../src/context.js';
import { WorkloadProxy } from '../src/workload-proxy.js';
import { policy } from './plan/mesh.js';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import { startEchoApp, testContext } from './support/in-process.js';
import { roundTrip, socksConnect } from './support/socks-client.js';

const run = promisify(execFile);
const SLEEP_IP = '127.0.11.1';
const ECHO_IP = '127.0.21.1';
const ECHO_SVC = 'default/echo.default.svc.cluster.local';
const PORTS = { hbone: 25008, socks: 25080, plaintext: 25006 };
const SOCKS = { host: SLEEP_IP, port: PORTS.socks };

let ca: CertificateAuthority;
let state: MeshState;
let ctx: ProxyContext;
let sleep: WorkloadProxy;
let echoProxy: WorkloadProxy;
let app: net.Server;
let logLines: Record<string, unknown>[];

const find = (name: string): WorkloadRecord => {
  const w = state.findWorkloadByUid(`Kubernetes//Pod/default/${name}`);
  if (!w) throw new Error(`no ${name}`);
  return w;
};

beforeAll(async () => {
  ca = createTestCa();
  state = meshOf(
    workload('sleep', SLEEP_IP, { serviceAccount: 'sleep', node: 'node-a' }),
    workload('echo', ECHO_IP, { serviceAccount: 'echo', node: 'node-b', services: { [ECHO_SVC]: { ports: [{ servicePort: 80, targetPort: 8080 }] } } }),
    service('echo', '127.96.1.1'),
  );
  ({ ctx, lines: logLines } = testContext(state, '', PORTS, 'node-a'));
  app = await startEchoApp(ECHO_IP, 8080);
  sleep = await WorkloadProxy.start(ctx, find('sleep'), SLEEP_IP, ca.issueSvid(SLEEP_ID));
  echoProxy = await WorkloadProxy.start(ctx, find('echo'), ECHO_IP, ca.issueSvid(ECHO_ID));
});

afterAll(async () => {
  await echoProxy?.close(0);
  await sleep?.close(0);
  ctx?.inbound.close();
  app?.close();
});

async function tunnel(): Promise<net.Socket> {
  const { reply, socket } = await socksConnect(SOCKS, ECHO_IP, 8080);
  expect(reply).toBe(0);
  return socket;
}

function servingSerial(host: string, port: number): Promise<string> {
  const client = tlsMaterialFromSvid(ca.issueSvid(SLEEP_ID));
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, ...client, ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('WorkloadProxy in loopback capture', () => {
  it('keeps live tunnels through a certificate rotation and serves new ones with the new certificate', async () => {
    const live = await tunnel();
    expect(await roundTrip(live, 'before rotation')).toBe('before rotation');
    const before = await servingSerial(ECHO_IP, PORTS.hbone);
    const next = ca.issueSvid(ECHO_ID);
    echoProxy.rotate(next);
    sleep.rotate(ca.issueSvid(SLEEP_ID));
    expect(await servingSerial(ECHO_IP, PORTS.hbone)).not.toBe(before);
    expect((await servingSerial(ECHO_IP, PORTS.hbone)).toLowerCase()).toBe(next.certChain[0]?.serialNumber.toLowerCase());
    expect(await roundTrip(live, 'after rotation')).toBe('after rotation');
    const fresh = await tunnel();
    expect(await roundTrip(fresh, 'new tunnel')).toBe('new tunnel');
    live.destroy();
    fresh.destroy();
  });

  it('logs a tunnel both sides closed gracefully without an error', async () => {
    const live = await tunnel();
    expect(await roundTrip(live, 'graceful')).toBe('graceful');
    live.end();
    await new Promise((resolve) => live.once('close', resolve));
    const complete = () => logLines.filter((l) => l['msg'] === 'connection complete' && l['bytes_sent'] === 8 && l['bytes_recv'] === 8);
    await expect.poll(() => complete().map((l) => l['direction']).sort()).toEqual(['inbound', 'outbound']);
    for (const record of complete()) {
      expect(record).toMatchObject({ level: 'info', 'src.identity': SLEEP_ID, 'dst.identity': ECHO_ID, 'dst.hbone_addr': `${ECHO_IP}:8080` });
      expect(record['error']).toBeUndefined();
    }
  });

  it('names the service in the destination\'s metrics and log when the client asked for it by VIP (forwarded host=)', async () => {
    const closedWith = async (socket: net.Socket, payload: string) => {
      expect(await roundTrip(socket, payload)).toBe(payload);
      socket.end();
      await new Promise((resolve) => socket.once('close', resolve));
      return expect.poll(() => logLines.find((l) => l['msg'] === 'connection complete' && l['direction'] === 'inbound' && l['bytes_recv'] === payload.length)).toBeDefined();
    };
    const byVip = await socksConnect(SOCKS, '127.96.1.1', 80);
    await closedWith(byVip.socket, 'by the service VIP');
    const inbound = logLines.find((l) => l['direction'] === 'inbound' && l['bytes_recv'] === 'by the service VIP'.length);
    expect(inbound).toMatchObject({ 'dst.service': 'echo.default.svc.cluster.local', 'dst.workload': 'echo' });
    await closedWith(await tunnel(), 'by the pod address, no service');
    const direct = logLines.find((l) => l['direction'] === 'inbound' && l['bytes_recv'] === 'by the pod address, no service'.length);
    expect(direct?.['dst.service']).toBeUndefined();
  });

  it('turns TCP keepalive on for every socket it holds: SOCKS5 accepted, HBONE both ways, the app connection', async () => {
    const live = await tunnel();
    expect(await roundTrip(live, 'keepalive')).toBe('keepalive');
    // ss shows the keepalive timer once a socket has nothing in flight (until then: the retransmit timer, "on").
    const sockets = async (): Promise<string[]> => {
      const { stdout } = await run('ss', ['-tnoH', 'state', 'established', `( sport = :${PORTS.socks} or dport = :${PORTS.hbone} or sport = :${PORTS.hbone} or dport = :8080 )`]);
      return stdout.split('\n').filter((l) => l.trim() !== '');
    };
    await expect.poll(async () => (await sockets()).every((l) => !l.includes('timer:(on,'))).toBe(true);
    const lines = await sockets();
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(line).toMatch(/timer:\(keepalive,(2min|3min|179|180)/);
    live.destroy();
  });

  it('answers 400 to a CONNECT for an address that is not the dialled workload', async () => {
    const client = new HboneClient({ tls: tlsMaterialFromSvid(ca.issueSvid(SLEEP_ID)) });
    const error = await client
      .connect({ nextHop: { host: ECHO_IP, port: PORTS.hbone }, authority: '127.0.99.9:8080', expectedIdentities: [ECHO_ID], sourceIp: SLEEP_IP })
      .then(() => undefined, (err: unknown) => err);
    client.close();
    expect(error).toBeInstanceOf(HboneError);
    expect((error as HboneError).status).toBe(400);
  });

  it('carries plaintext inbound to the workload app and logs it without identities', async () => {
    const socket = net.connect({ host: ECHO_IP, port: PORTS.plaintext, localAddress: SLEEP_IP });
    await new Promise((resolve) => socket.once('connect', resolve));
    expect(await roundTrip(socket, 'plain')).toBe('plain');
    socket.end();
    await new Promise((resolve) => socket.once('close', resolve));
    await expect.poll(() => logLines.find((l) => l['msg'] === 'connection complete' && l['dst.addr'] === `${ECHO_IP}:${PORTS.plaintext}`)).toMatchObject({
      direction: 'inbound',
      'src.workload': 'sleep',
      bytes_recv: 5,
    });
    expect(logLines.find((l) => l['dst.addr'] === `${ECHO_IP}:${PORTS.plaintext}`)?.['src.identity']).toBeUndefined();
  });

  it('refuses plaintext inbound when an ALLOW policy needs a peer identity', async () => {
    state.applyAuthorizations(new Map([['default/only-sleep', policy('only-sleep', 'ALLOW', { principals: ['cluster.local/ns/default/sa/sleep'] })]]), []);
    try {
      const socket = net.connect({ host: ECHO_IP, port: PORTS.plaintext, localAddress: SLEEP_IP });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('close', resolve));
      // The same caller over HBONE proves its identity and is allowed.
      const live = await tunnel();
      expect(await roundTrip(live, 'with identity')).toBe('with identity');
      live.destroy();
    } finally {
      state.applyAuthorizations(new Map(), ['default/only-sleep']);
    }
  });

  it('closes a live inbound connection when its workload is removed from the state', async () => {
    const live = await tunnel();
    expect(await roundTrip(live, 'still here')).toBe('still here');
    const closed = new Promise((resolve) => live.once('close', resolve));
    const echo = workload('echo', ECHO_IP, { serviceAccount: 'echo', node: 'node-b', services: { [ECHO_SVC]: { ports: [{ servicePort: 80, targetPort: 8080 }] } } });
    state.applyAddresses(new Map(), ['Kubernetes//Pod/default/echo']);
    await closed;
    expect(logLines.some((l) => l['msg'] === 'connection complete' && l['error'] === 'connection closed due to policy change')).toBe(true);
    // Back in the state, the workload is reachable again.
    state.applyAddresses(new Map([['Kubernetes//Pod/default/echo', echo]]), []);
    const again = await tunnel();
    expect(await roundTrip(again, 'back')).toBe('back');
    again.destroy();
  });

  it('keeps the way back open after the SOCKS5 client half-closes (the answer comes after its FIN)', async () => {
    // An app that answers only once the request side has ended, as `nc -N` and HTTP/1.0 clients rely on.
    const late = net.createServer({ allowHalfOpen: true }, (socket) => {
      let question = '';
      socket.on('data', (chunk: Buffer) => (question += chunk.toString()));
      socket.once('end', () => socket.end(`answer to ${question}`));
    });
    await new Promise<void>((resolve) => late.listen(8081, ECHO_IP, resolve));
    try {
      const { reply, socket } = await socksConnect(SOCKS, ECHO_IP, 8081);
      expect(reply).toBe(0);
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      const ended = new Promise((resolve) => socket.once('end', resolve));
      socket.end('the question');
      await ended;
      expect(answer).toBe('answer to the question');
    } finally {
      late.close();
    }
  });

  it('carries a flood of 200 concurrent tunnels, each with its own bytes', async () => {
    const sockets = await Promise.all(Array.from({ length: 200 }, () => tunnel()));
    const answers = await Promise.all(sockets.map((s, i) => roundTrip(s, `tunnel ${i}`)));
    expect(answers).toEqual(sockets.map((_, i) => `tunnel ${i}`));
    for (const s of sockets) s.destroy();
  });

  it('drains: stops accepting, lets an open tunnel finish, then resolves', async () => {
    const live = await tunnel();
    let drained = false;
    const draining = sleep.close(10_000).then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(socksConnect(SOCKS, ECHO_IP, 8080)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await roundTrip(live, 'during drain')).toBe('during drain');
    expect(drained).toBe(false);
    live.end();
    await draining;
    expect(drained).toBe(true);
    sleep = await WorkloadProxy.start(ctx, find('sleep'), SLEEP_IP, ca.issueSvid(SLEEP_ID));
  });
});
