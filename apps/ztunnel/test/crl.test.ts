// --crl-path end to end: ambientd and one ztunnel process serving both quickstart workloads (sleep 127.0.18.1, echo
// 127.0.28.1), a CRL made by openssl with ambientd's CA key. Revoking sleep's certificate refuses its new tunnels
// in the TLS handshake (echo's side checks the client certificate), lets a tunnel opened before finish, and taking
// the revocation back lets new tunnels through again; all by rewriting the file while ztunnel runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeCrl } from './support/crl.js';
import { createNodeToken, startAmbientd, startZtunnelProcess, type Running } from './support/processes.js';
import { writeQuickstart } from './support/quickstart.js';
import { roundTrip, socksConnect } from './support/socks-client.js';

const SLEEP_SOCKS = { host: '127.0.18.1', port: 15080 };
const ECHO = { host: '127.0.28.1', port: 8080 };

let dir: string;
let stateDir: string;
let crlPath: string;
let ambientd: Running & { rootCertFile: string };
let ztunnel: Running;
let app: net.Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ztunnel-crl-e2e-'));
  const configDir = writeQuickstart(join(dir, 'config'), { '127.0.10.1': SLEEP_SOCKS.host, '127.0.20.1': ECHO.host, 'ambient.dev/node: node-b': 'ambient.dev/node: node-a' });
  stateDir = join(dir, 'state');
  ambientd = await startAmbientd(configDir, stateDir);
  crlPath = join(dir, 'crl.pem');
  writeCrl(stateDir, [], crlPath);
  const tokenFile = join(dir, 'node-a.token');
  writeFileSync(tokenFile, createNodeToken(stateDir, 'node-a'));
  ztunnel = await startZtunnelProcess({ node: 'node-a', 'xds-address': ambientd.started['grpc'] ?? '', 'token-file': tokenFile, 'root-cert': ambientd.rootCertFile, 'crl-path': crlPath });
  await vi.waitFor(async () => expect((await fetch(`http://${ztunnel.started['readiness'] ?? ''}/healthz/ready`)).status).toBe(200), { timeout: 60_000, interval: 50 });
  app = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => app.listen(ECHO.port, ECHO.host, resolve));
}, 300_000);

afterAll(async () => {
  app?.close();
  await ztunnel?.stop();
  await ambientd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The SOCKS5 reply to a new tunnel from sleep to echo (0 once it echoes a byte). */
async function tunnel(): Promise<number> {
  const { reply, socket } = await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80);
  try {
    if (reply === 0) expect(await roundTrip(socket, 'x')).toBe('x');
    return reply;
  } finally {
    socket.destroy();
  }
}

async function sleepSerial(): Promise<string> {
  const dump = (await (await fetch(`http://${ztunnel.started['admin'] ?? ''}/config_dump`)).json()) as { certificates: { identity: string; certChain: { serialNumber: string }[] }[] };
  const serial = dump.certificates.find((c) => c.identity.endsWith('/sa/sleep'))?.certChain[0]?.serialNumber;
  if (!serial) throw new Error(`no certificate for sleep in ${JSON.stringify(dump.certificates)}`);
  return serial;
}

describe('ztunnel --crl-path', () => {
  it('refuses new tunnels of a revoked workload once the list names it, keeps a live one, and lets them through when it no longer does', async () => {
    expect(await tunnel()).toBe(0);
    const live = await socksConnect(SLEEP_SOCKS, 'echo.default.mesh', 80);
    expect(live.reply).toBe(0);
    expect(await roundTrip(live.socket, 'before')).toBe('before');

    writeCrl(stateDir, [await sleepSerial()], crlPath);
    // 0x05: the HBONE handshake failed (TLS_FAILURE), as echo's side refuses sleep's revoked certificate.
    await vi.waitFor(async () => expect(await tunnel()).toBe(5), { timeout: 20_000, interval: 200 });
    await vi.waitFor(() => expect(ztunnel.lines().some((l) => l['msg'] === 'certificate revocation list reloaded')).toBe(true), { timeout: 5_000, interval: 50 });
    expect(await roundTrip(live.socket, 'after')).toBe('after');
    live.socket.destroy();

    writeCrl(stateDir, [], crlPath);
    await vi.waitFor(async () => expect(await tunnel()).toBe(0), { timeout: 20_000, interval: 200 });
  }, 60_000);
});
