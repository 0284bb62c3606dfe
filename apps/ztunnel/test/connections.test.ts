// The open-connections list of /config_dump: a real SOCKS5 → HBONE tunnel and a plaintext inbound connection between
// two in-process WorkloadProxy instances (sleep 127.0.14.1 → echo 127.0.24.1) appear while open, with both sides'
// addresses, and are gone once closed (by either side or by a policy change); the registry orders its dump and
// forgets what it was told closed.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshOf, service, workload } from '@ambient/mesh-state/testing';
import { createTestCa } from '@ambient/spiffe/testing';
import type { MeshState, WorkloadRecord } from '@ambient/mesh-state';
import { configDump } from '../src/config-dump.js';
import { ConnectionRegistry, hostPort, type ConnectionDump, type OpenConnection } from '../src/connections.js';
import type { ProxyContext } from '../src/context.js';
import { WorkloadProxy } from '../src/workload-proxy.js';
import { policy } from './plan/mesh.js';
import { ECHO_ID, SLEEP_ID } from './support/identities.js';
import { startEchoApp, testContext } from './support/in-process.js';
import { roundTrip, socksConnect } from './support/socks-client.js';

const SLEEP_IP = '127.0.14.1';
const ECHO_IP = '127.0.24.1';
const ECHO_SVC = 'default/echo.default.svc.cluster.local';
const PORTS = { hbone: 26008, socks: 26080, plaintext: 26006 };

let state: MeshState;
let ctx: ProxyContext & { connections: ConnectionRegistry };
let proxies: WorkloadProxy[] = [];
let app: net.Server;

const find = (name: string): WorkloadRecord => {
  const w = state.findWorkloadByUid(`Kubernetes//Pod/default/${name}`);
  if (!w) throw new Error(`no ${name}`);
  return w;
};

async function waitFor<T>(what: string, check: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  const ca = createTestCa();
  state = meshOf(
    workload('sleep', SLEEP_IP, { serviceAccount: 'sleep', node: 'node-a' }),
    workload('echo', ECHO_IP, { serviceAccount: 'echo', node: 'node-b', services: { [ECHO_SVC]: { ports: [{ servicePort: 80, targetPort: 8080 }] } } }),
    service('echo', '127.96.4.1'),
  );
  ctx = { ...testContext(state, '', PORTS).ctx, connections: new ConnectionRegistry() };
  app = await startEchoApp(ECHO_IP, 8080);
  proxies = [
    await WorkloadProxy.start(ctx, find('sleep'), SLEEP_IP, ca.issueSvid(SLEEP_ID)),
    await WorkloadProxy.start(ctx, find('echo'), ECHO_IP, ca.issueSvid(ECHO_ID)),
  ];
});

afterAll(async () => {
  for (const proxy of proxies) await proxy.close(0);
  ctx?.inbound.close();
  app?.close();
});

describe('open connections in /config_dump', () => {
  it('lists a SOCKS5 → HBONE tunnel on both sides while it is open and drops it when it closes', async () => {
    const { reply, socket } = await socksConnect({ host: SLEEP_IP, port: PORTS.socks }, ECHO_IP, 8080, SLEEP_IP);
    expect(reply).toBe(0);
    expect(await roundTrip(socket, 'ping')).toBe('ping');
    const dump = await waitFor('both sides', () => {
      const list = configDump(state, [], ctx.config, ctx.connections.dump()).connections;
      return list.length === 2 ? list : undefined;
    });
    const app = `${SLEEP_IP}:${socket.localPort}`;
    const [inbound, outbound] = dump as [ConnectionDump, ConnectionDump];
    expect(outbound).toEqual({
      workload: { uid: 'Kubernetes//Pod/default/sleep', name: 'sleep', namespace: 'default' },
      direction: 'outbound',
      src: app,
      originalDst: `${ECHO_IP}:8080`,
      actualDst: `${ECHO_IP}:${PORTS.hbone}`,
      protocol: 'HBONE',
    });
    expect(inbound).toMatchObject({
      workload: { uid: 'Kubernetes//Pod/default/echo', name: 'echo', namespace: 'default' },
      direction: 'inbound',
      originalDst: `${ECHO_IP}:8080`,
      actualDst: `${ECHO_IP}:8080`,
      protocol: 'HBONE',
    });
    // The tunnel's source is the sleep ztunnel's TLS socket, which leaves from sleep's own address.
    expect(inbound.src).toMatch(new RegExp(`^${SLEEP_IP.replaceAll('.', '\\.')}:\\d+$`));
    socket.end();
    await waitFor('the tunnel to close', () => (ctx.connections.size === 0 ? true : undefined));
    expect(configDump(state, [], ctx.config, ctx.connections.dump()).connections).toEqual([]);
  });

  it('drops a tunnel a new DENY policy closes', async () => {
    const { socket } = await socksConnect({ host: SLEEP_IP, port: PORTS.socks }, ECHO_IP, 8080, SLEEP_IP);
    expect(await roundTrip(socket, 'before')).toBe('before');
    await waitFor('both sides', () => (ctx.connections.size === 2 ? true : undefined));
    state.applyAuthorizations(new Map([['default/deny-sleep', policy('deny-sleep', 'DENY', { principals: ['cluster.local/ns/default/sa/sleep'] })]]), []);
    try {
      await waitFor('the denied tunnel to leave the list', () => (ctx.connections.size === 0 ? true : undefined));
      expect(ctx.connections.dump()).toEqual([]);
    } finally {
      state.applyAuthorizations(new Map(), ['default/deny-sleep']);
      socket.destroy();
    }
  });

  it('lists plaintext inbound as TCP', async () => {
    const socket = net.connect({ host: ECHO_IP, port: PORTS.plaintext, localAddress: SLEEP_IP });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    expect(await roundTrip(socket, 'plain')).toBe('plain');
    const [entry] = await waitFor('the plaintext connection', () => {
      const list = ctx.connections.dump().filter((c) => c.protocol === 'TCP');
      return list.length === 1 ? list : undefined;
    });
    expect(entry).toEqual({
      workload: { uid: 'Kubernetes//Pod/default/echo', name: 'echo', namespace: 'default' },
      direction: 'inbound',
      src: `${SLEEP_IP}:${socket.localPort}`,
      originalDst: `${ECHO_IP}:8080`,
      actualDst: `${ECHO_IP}:8080`,
      protocol: 'TCP',
    });
    socket.end();
    await waitFor('the connection to close', () => (ctx.connections.size === 0 ? true : undefined));
  });
});

describe('ConnectionRegistry', () => {
  const entry = (name: string, direction: 'inbound' | 'outbound', src: string): OpenConnection => ({
    workload: { ...find(name) },
    direction,
    src,
    originalDst: 'echo.default.mesh:80',
    actualDst: '127.0.24.1:15008',
    protocol: 'HBONE',
  });

  it('dumps in a stable order and forgets closed connections once', () => {
    const registry = new ConnectionRegistry();
    const a = entry('sleep', 'outbound', '127.0.14.1:2');
    const b = entry('echo', 'inbound', '127.0.14.1:1');
    const c = entry('sleep', 'inbound', '127.0.24.1:3');
    const [, linkB] = [a, b, c].map((x) => registry.opened(x));
    expect(registry.dump().map((d) => `${d.workload.name} ${d.direction} ${d.src}`)).toEqual([
      'echo inbound 127.0.14.1:1',
      'sleep inbound 127.0.24.1:3',
      'sleep outbound 127.0.14.1:2',
    ]);
    registry.closed(linkB);
    registry.closed(linkB);
    registry.closed(undefined);
    expect(registry.size).toBe(2);
    expect(JSON.parse(JSON.stringify(registry.dump()[0]))).toEqual({
      workload: { uid: 'Kubernetes//Pod/default/sleep', name: 'sleep', namespace: 'default' },
      direction: 'inbound',
      src: '127.0.24.1:3',
      originalDst: 'echo.default.mesh:80',
      actualDst: '127.0.24.1:15008',
      protocol: 'HBONE',
    });
  });

  it('unlinks the first, a middle and the last connection', () => {
    const registry = new ConnectionRegistry();
    const links = [1, 2, 3, 4].map((i) => registry.opened(entry('sleep', 'outbound', `127.0.14.1:${i}`)));
    for (const i of [3, 0, 1]) registry.closed(links[i]);
    expect(registry.dump().map((d) => d.src)).toEqual(['127.0.14.1:3']);
    registry.closed(links[2]);
    expect([registry.size, registry.dump()]).toEqual([0, []]);
    registry.opened(entry('echo', 'inbound', '127.0.14.1:9'));
    expect(registry.dump().map((d) => d.src)).toEqual(['127.0.14.1:9']);
  });

  it('brackets IPv6 hosts', () => {
    expect(hostPort('::1', 15008)).toBe('[::1]:15008');
    expect(hostPort('127.0.0.1', 80)).toBe('127.0.0.1:80');
  });
});
