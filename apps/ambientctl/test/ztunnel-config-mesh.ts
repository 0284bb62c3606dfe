// A real mesh for the ztunnel-config and proxy-status tests: ambientd and two ztunnels as processes running the
// quickstart (sleep and curl on node-a, echo on node-b behind echo.default.mesh, only sleep allowed) moved to
// 127.2.x.y (no other test uses those), an echo app, and one SOCKS5 connection sleep → echo held open on demand.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binArgv } from '@ambient/core';
import { openSocks5Tunnel } from '../src/up/socks5-client.js';

const AMBIENTD = fileURLToPath(new URL('../../ambientd/bin/ambientd.js', import.meta.url));
const ZTUNNEL = fileURLToPath(new URL('../../ztunnel/bin/ztunnel.js', import.meta.url));

export const MESH = {
  ambientd: '127.2.0.254',
  nodes: { 'node-a': '127.2.0.1', 'node-b': '127.2.0.2' },
  sleep: '127.2.1.1',
  curl: '127.2.1.2',
  echo: '127.2.2.1',
  vip: '127.96.2.10',
} as const;

const QUICKSTART = fileURLToPath(new URL('../../../examples/quickstart/mesh/', import.meta.url));

/** The quickstart's own YAML, moved from 127.1.x.y (what `ambientctl up` binds) to this test's 127.2.x.y. */
function writeConfig(dir: string): void {
  mkdirSync(dir);
  for (const file of readdirSync(QUICKSTART).filter((f) => f.endsWith('.yaml'))) {
    const yaml = readFileSync(join(QUICKSTART, file), 'utf8').replaceAll('127.1.', '127.2.').replaceAll('127.96.0.10', MESH.vip);
    writeFileSync(join(dir, file), yaml);
  }
}

export interface Mesh {
  readonly dir: string;
  /** ambientd's debug address (HOST:PORT). */
  readonly debug: string;
  /** Admin address per node. */
  readonly admin: Readonly<Record<string, string>>;
  /** Opens sleep → echo.default.mesh:80 over SOCKS5 and keeps it open until `stop`. */
  connect(): Promise<net.Socket>;
  stop(): Promise<void>;
}

export async function startMesh(): Promise<Mesh> {
  const dir = mkdtempSync(join(tmpdir(), 'ambientctl-zc-'));
  const stateDir = join(dir, 'state');
  writeConfig(join(dir, 'config'));
  const children: ChildProcess[] = [];
  const sockets: net.Socket[] = [];
  const echo = net.createServer((s) => (s.on('error', () => undefined), s.pipe(s)));
  const stop = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await Promise.all(children.reverse().map((c) => (c.exitCode === null ? new Promise((r) => (c.once('exit', r), c.kill('SIGTERM'))) : undefined)));
    echo.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => echo.once('error', reject).listen(8080, MESH.echo, resolve));
    const ambientd = await start(children, AMBIENTD, ['--config', join(dir, 'config'), '--state-dir', stateDir, '--grpc-listen', `${MESH.ambientd}:0`, '--debug-listen', `${MESH.ambientd}:0`], 'ambientd ready');
    const admin: Record<string, string> = {};
    for (const [node, ip] of Object.entries(MESH.nodes)) {
      const token = spawnSync(process.execPath, [AMBIENTD, 'create-token', '--namespace', 'istio-system', '--service-account', 'ztunnel', '--node', node, '--state-dir', stateDir], { encoding: 'utf8' });
      if (token.status !== 0) throw new Error(`create-token failed: ${token.stderr}`);
      writeFileSync(join(dir, `${node}.jwt`), token.stdout.trim());
      const flags = ['--node', node, '--xds-address', ambientd['grpc'] ?? '', '--token-file', join(dir, `${node}.jwt`), '--root-cert', join(stateDir, 'root-cert.pem')];
      const z = await start(children, ZTUNNEL, [...flags, '--admin-listen', `${ip}:0`, '--metrics-listen', `${ip}:0`, '--readiness-listen', `${ip}:0`], 'ztunnel started');
      admin[node] = z['admin'] ?? '';
      await until(`${node} ready`, async () => (await fetch(`http://${z['readiness'] ?? ''}/healthz/ready`)).status === 200);
    }
    const connect = async (): Promise<net.Socket> => {
      const socket = await socks(`${MESH.sleep}`, 'echo.default.mesh', 80);
      sockets.push(socket);
      return socket;
    };
    return { dir, debug: ambientd['debug'] ?? '', admin, connect, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts a bin and resolves with the fields of its `ready` log line (the addresses it bound). */
function start(children: ChildProcess[], bin: string, args: string[], ready: string): Promise<Record<string, string>> {
  const child = spawn(process.execPath, binArgv(bin, args), { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not log "${ready}":\n${log}`)), 90_000);
    child.once('exit', (code) => reject(new Error(`${bin} exited with ${code}:\n${log}`)));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const line = log.split('\n').find((l) => l.startsWith('{') && l.includes(`"msg":"${ready}"`));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, string>);
      }
    });
  });
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A SOCKS5 CONNECT by name through the workload's ztunnel listener (15080), leaving from the workload's address. */
async function socks(workload: string, host: string, port: number): Promise<net.Socket> {
  const { reply, socket } = await openSocks5Tunnel(`${workload}:15080`, host, port, { localAddress: workload });
  if (reply !== 0) {
    socket.destroy();
    throw new Error(`SOCKS5 reply ${reply}`);
  }
  return socket.resume();
}
