// setTcpKeepalive / readTcpKeepalive on real connected TCP sockets on loopback (both ends, TLS over TCP too), the
// kernel's own range checks coming back as errno + syscall, and the missing and stale addon paths.
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { OriginalDstError, readTcpKeepalive, setTcpKeepalive, tcpKeepaliveSupport, type TcpKeepaliveOptions } from '../src/index.js';
import { loadAddon } from '../src/addon.js';
import { keepaliveSupportOf, setTcpKeepaliveWith } from '../src/tcp-keepalive.js';

const dir = mkdtempSync(join(tmpdir(), 'tcp-keepalive-'));
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** A connected loopback pair: the dialled socket and the accepted one. */
async function tcpPair(): Promise<{ client: Socket; accepted: Socket }> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const acceptedP = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  cleanups.push(() => (client.destroy(), accepted.destroy(), server.close()));
  return { client, accepted };
}

function thrown(f: () => void): OriginalDstError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(OriginalDstError);
    return err as OriginalDstError;
  }
  throw new Error('expected an OriginalDstError');
}

const ISTIO: TcpKeepaliveOptions = { enabled: true, timeSeconds: 180, intervalSeconds: 180, retries: 9 };

describe('with the addon built by npm ci', () => {
  it('is available', () => {
    expect(tcpKeepaliveSupport()).toEqual({ available: true });
  });

  it('sets idle time, interval, probe count and user timeout on a dialled socket and reads them back', async () => {
    const { client } = await tcpPair();
    setTcpKeepalive(client, { ...ISTIO, userTimeoutMs: (180 + 9 * 180) * 1000 });
    expect(readTcpKeepalive(client)).toEqual({ enabled: true, timeSeconds: 180, intervalSeconds: 180, retries: 9, userTimeoutMs: 1_800_000 });
  });

  it('sets them on an accepted socket, overriding what Node set for keepAlive', async () => {
    const { accepted } = await tcpPair();
    accepted.setKeepAlive(true, 60_000);
    // Node's own: the idle time it was given, libuv's fixed interval and count.
    expect(readTcpKeepalive(accepted)).toMatchObject({ enabled: true, timeSeconds: 60, intervalSeconds: 1, retries: 10, userTimeoutMs: 0 });
    setTcpKeepalive(accepted, { enabled: true, timeSeconds: 1, intervalSeconds: 2, retries: 3 });
    expect(readTcpKeepalive(accepted)).toEqual({ enabled: true, timeSeconds: 1, intervalSeconds: 2, retries: 3, userTimeoutMs: 0 });
  });

  it('leaves the user timeout alone when none is given, and turns it off with 0', async () => {
    const { client } = await tcpPair();
    setTcpKeepalive(client, { ...ISTIO, userTimeoutMs: 5_000 });
    setTcpKeepalive(client, { ...ISTIO, timeSeconds: 30 });
    expect(readTcpKeepalive(client)).toMatchObject({ timeSeconds: 30, userTimeoutMs: 5_000 });
    setTcpKeepalive(client, { ...ISTIO, userTimeoutMs: 0 });
    expect(readTcpKeepalive(client).userTimeoutMs).toBe(0);
  });

  it('with enabled false clears SO_KEEPALIVE only', async () => {
    const { client } = await tcpPair();
    setTcpKeepalive(client, { enabled: true, timeSeconds: 7, intervalSeconds: 8, retries: 4 });
    setTcpKeepalive(client, { enabled: false, timeSeconds: 99, intervalSeconds: 99, retries: 99, userTimeoutMs: 3_000 });
    expect(readTcpKeepalive(client)).toEqual({ enabled: false, timeSeconds: 7, intervalSeconds: 8, retries: 4, userTimeoutMs: 3_000 });
  });

  it('works on a TLS socket (through its TLSWrap handle)', async () => {
    const server = tls.createServer({});
    server.on('tlsClientError', () => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = tls.connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false });
    socket.on('error', () => undefined);
    cleanups.push(() => (socket.destroy(), server.close()));
    await once(socket, 'connect');
    setTcpKeepalive(socket, { ...ISTIO, timeSeconds: 11 });
    expect(readTcpKeepalive(socket)).toMatchObject({ enabled: true, timeSeconds: 11 });
  });

  it.each([
    ['an idle time of 0', { timeSeconds: 0 }, 'TCP_KEEPIDLE'],
    ['an idle time above 32767', { timeSeconds: 32_768 }, 'TCP_KEEPIDLE'],
    ['a negative interval', { intervalSeconds: -1 }, 'TCP_KEEPINTVL'],
    ['a fractional interval', { intervalSeconds: 1.5 }, 'TCP_KEEPINTVL'],
    ['128 probes', { retries: 128 }, 'TCP_KEEPCNT'],
    ['a probe count beyond int', { retries: 2 ** 32 + 1 }, 'TCP_KEEPCNT'],
    ['a user timeout beyond int', { userTimeoutMs: 2 ** 31 }, 'TCP_USER_TIMEOUT'],
    ['a NaN user timeout', { userTimeoutMs: Number.NaN }, 'TCP_USER_TIMEOUT'],
  ] as const)('refuses %s with EINVAL naming the option', async (_what, change, option) => {
    const { client } = await tcpPair();
    const err = thrown(() => setTcpKeepalive(client, { ...ISTIO, ...change }));
    expect(err.code).toBe('ORIGINAL_DST_ERR_SYSCALL');
    expect(err.errno).toBe(constants.errno.EINVAL);
    expect(err.message).toMatch(new RegExp(`^cannot set TCP keepalive on fd \\d+: setsockopt\\(${option}\\): Invalid argument$`));
  });

  it('refuses a Unix-domain socket with the errno of the kernel', async () => {
    const server = createServer();
    server.listen(join(dir, `k-${process.pid}.sock`));
    await once(server, 'listening');
    const socket = connect(server.address() as string);
    await once(socket, 'connect');
    cleanups.push(() => (socket.destroy(), server.close()));
    const err = thrown(() => setTcpKeepalive(socket, ISTIO));
    expect(err.code).toBe('ORIGINAL_DST_ERR_SYSCALL');
    expect(err.errno).toBeGreaterThan(0);
    expect(err.message).toMatch(/^cannot set TCP keepalive on fd \d+: setsockopt\(TCP_KEEPIDLE\): /);
    expect(thrown(() => readTcpKeepalive(socket)).message).toMatch(/^cannot read TCP keepalive of fd \d+: getsockopt\(TCP_KEEPIDLE\): /);
  });

  it('throws ORIGINAL_DST_ERR_NO_FD for a socket that is not connected, or closed', async () => {
    expect(thrown(() => setTcpKeepalive(new Socket(), ISTIO)).code).toBe('ORIGINAL_DST_ERR_NO_FD');
    const { client } = await tcpPair();
    client.destroy();
    expect(thrown(() => readTcpKeepalive(client)).code).toBe('ORIGINAL_DST_ERR_NO_FD');
  });
});

describe('without the call in the addon', () => {
  it('reports a missing addon', () => {
    const status = loadAddon(join(dir, 'absent.node'), join(dir, 'no-error-file.txt'));
    expect(keepaliveSupportOf(status)).toEqual({ available: false, reason: expect.stringMatching(/^native addon not built: Cannot find module .*absent\.node.* \(rebuild with `npm rebuild @ambient\/original-dst`\)$/s) as unknown });
  });

  it('reports a stale build and throws ORIGINAL_DST_ERR_UNAVAILABLE naming it', async () => {
    const stale = join(dir, 'stale.cjs');
    writeFileSync(stale, 'module.exports = { originalDst() {}, transparentSocket() {} };\n');
    const status = loadAddon(stale);
    expect(keepaliveSupportOf(status)).toEqual({ available: false, reason: 'the native addon predates setTcpKeepalive(): rebuild it (npm rebuild @ambient/original-dst)' });
    const { client } = await tcpPair();
    const err = thrown(() => setTcpKeepaliveWith(status, client, ISTIO));
    expect(err.code).toBe('ORIGINAL_DST_ERR_UNAVAILABLE');
    expect(err.message).toBe('cannot set TCP keepalive: the native addon predates setTcpKeepalive(): rebuild it (npm rebuild @ambient/original-dst)');
  });
});
