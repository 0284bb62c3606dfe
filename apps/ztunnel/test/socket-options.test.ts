// The sockets ztunnel holds carry the configured keepalive and TCP_USER_TIMEOUT, read back from the kernel through
// the addon: the accepted SOCKS5 connection, both ends of the HBONE connection and the one to the app, with two
// WorkloadProxy instances in-process on loopback; keepalive off with --keepalive-enabled false; and Node's
// fallback (idle time only) with its one start-up warning when the addon lacks the call.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@ambient/core';
import { readTcpKeepalive, type TcpKeepalive } from '@ambient/original-dst';
import { readZtunnelConfig } from '../src/config.js';
import { socketOptionsWith, warnUnappliedSocketOptions } from '../src/socket-options.js';
import { startSleepAndEcho } from './support/in-process.js';
import { roundTrip, socksConnect } from './support/socks-client.js';

const SLEEP_IP = '127.0.14.1';
const ECHO_IP = '127.0.24.1';
const APP_PORT = 8080;
const PORTS = { hbone: 28008, socks: 28080, plaintext: 28006 };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Two workloads on loopback, one tunnel from sleep to echo's app left open. */
async function tunnel(flags: Record<string, string>): Promise<void> {
  const { close } = await startSleepAndEcho({ sleep: SLEEP_IP, echo: ECHO_IP }, PORTS, APP_PORT, flags);
  cleanup.push(close);
  const { reply, socket } = await socksConnect({ host: SLEEP_IP, port: PORTS.socks }, ECHO_IP, APP_PORT);
  expect(reply).toBe(0);
  expect(await roundTrip(socket, 'ping')).toBe('ping');
  cleanup.push(() => void socket.destroy());
}

/** This process's open TCP sockets (ztunnel's among them), as Node tracks them. */
function openSockets(): net.Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h): h is net.Socket => h instanceof net.Socket && typeof h.remotePort === 'number');
}

/** The keepalive settings of ztunnel's sockets: accepted SOCKS5, HBONE client and server ends, and to the app. */
function ztunnelSockets(): Record<string, TcpKeepalive[]> {
  const sockets = openSockets();
  const read = (match: (s: net.Socket) => boolean) => sockets.filter(match).map((s) => readTcpKeepalive(s));
  return {
    socksAccepted: read((s) => s.localAddress === SLEEP_IP && s.localPort === PORTS.socks),
    hboneOutbound: read((s) => s.remoteAddress === ECHO_IP && s.remotePort === PORTS.hbone),
    hboneAccepted: read((s) => s.localAddress === ECHO_IP && s.localPort === PORTS.hbone),
    toApp: read((s) => s.remoteAddress === ECHO_IP && s.remotePort === APP_PORT),
  };
}

describe('socket options on the sockets ztunnel holds', () => {
  it('carry --keepalive-time, --keepalive-interval, --keepalive-retries and the user timeout they make', async () => {
    await tunnel({ '--keepalive-time': '7s', '--keepalive-interval': '3s', '--keepalive-retries': '4', '--user-timeout-enabled': 'true' });
    const expected = { enabled: true, timeSeconds: 7, intervalSeconds: 3, retries: 4, userTimeoutMs: (7 + 4 * 3) * 1000 };
    expect(ztunnelSockets()).toEqual({ socksAccepted: [expected], hboneOutbound: [expected], hboneAccepted: [expected], toApp: [expected] });
  });

  it("carry Istio's defaults, without a user timeout", async () => {
    await tunnel({});
    const expected = { enabled: true, timeSeconds: 180, intervalSeconds: 180, retries: 9, userTimeoutMs: 0 };
    expect(ztunnelSockets()).toEqual({ socksAccepted: [expected], hboneOutbound: [expected], hboneAccepted: [expected], toApp: [expected] });
  });

  it('have keepalive off with --keepalive-enabled false', async () => {
    await tunnel({ '--keepalive-enabled': 'false' });
    const sockets = ztunnelSockets();
    for (const [which, found] of Object.entries(sockets)) {
      expect(found, which).toHaveLength(1);
      expect(found[0]?.enabled, which).toBe(false);
    }
  });
});

describe('without the addon call', () => {
  const config = readZtunnelConfig({ '--node': 'n', '--token-file': 't', '--root-cert': 'r', '--keepalive-time': '7s', '--keepalive-interval': '3s', '--user-timeout-enabled': 'true' }).socketConfig;
  const missing = { available: false, reason: 'the native addon predates setTcpKeepalive(): rebuild it (npm rebuild @ambient/original-dst)' } as const;

  it("falls back to Node's setKeepAlive: the idle time, libuv's probes", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    cleanup.push(() => (client.destroy(), void server.close()));
    socketOptionsWith(config, missing)(client);
    expect(readTcpKeepalive(client)).toEqual({ enabled: true, timeSeconds: 7, intervalSeconds: 1, retries: 10, userTimeoutMs: 0 });
  });

  it('warns once at start naming the flags not applied, and not at all with the addon', () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ name: 'ztunnel', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    warnUnappliedSocketOptions(config, log, missing);
    warnUnappliedSocketOptions(config, log, { available: true });
    expect(lines).toEqual([expect.objectContaining({
      level: 'warn',
      msg: 'TCP keepalive falls back to Node: idle time only, probes 1 s apart, 10 of them, no TCP_USER_TIMEOUT',
      unapplied: ['--keepalive-interval', '--keepalive-retries', '--user-timeout-enabled'],
      reason: missing.reason,
    })]);
  });
});
