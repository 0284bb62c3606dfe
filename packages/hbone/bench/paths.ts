// Starts the benchmarked paths as separate processes: stunnel pairs (the C baseline), Node TLS pairs and HBONE
// pairs, each client side listening on loopback and forwarding to a target port.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tlsMaterialFromSvid } from '@ambient/spiffe';
import { createTestCa, issueTestSvid } from '@ambient/spiffe/testing';

const LOADER = join(import.meta.dirname, '../../../tools/source-loader.mjs');
const PROXY = join(import.meta.dirname, 'proxy.ts');

export interface Path {
  readonly name: string;
  /** Where the measuring client connects. */
  readonly port: number;
  /** Processes whose CPU time counts for this path. */
  readonly pids: number[];
  stop(): void;
}

export function writeCertificates(dir: string): void {
  const ca = createTestCa();
  for (const side of ['client', 'server']) {
    const m = tlsMaterialFromSvid(issueTestSvid(`spiffe://cluster.local/ns/bench/sa/${side}`, ca));
    writeFileSync(join(dir, `${side}.crt`), m.cert);
    writeFileSync(join(dir, `${side}.key`), m.key);
    writeFileSync(join(dir, `${side}.ca`), m.ca);
  }
}

function waitReady(child: ChildProcess, pattern: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = pattern.exec(line);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnfile} exited with ${code} before it was ready`)));
  });
}

async function proxy(mode: string, target: number, dir: string, env: Record<string, string> = {}): Promise<[ChildProcess, number]> {
  const child = spawn(process.execPath, ['--import', LOADER, PROXY, mode, '0', String(target), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  return [child, await waitReady(child, /^READY (\d+)$/)];
}

function pair(name: string, port: number, children: ChildProcess[]): Path {
  return { name, port, pids: children.map((c) => c.pid ?? 0), stop: () => children.forEach((c) => c.kill('SIGKILL')) };
}

export async function nodeTlsPath(target: number, dir: string): Promise<Path> {
  const [server, serverPort] = await proxy('tls-server', target, dir);
  const [client, clientPort] = await proxy('tls-client', serverPort, dir);
  return pair('node TLS pair', clientPort, [client, server]);
}

export async function hbonePath(target: number, dir: string): Promise<Path> {
  const [server, serverPort] = await proxy('hbone-server', 0, dir);
  const [client, clientPort] = await proxy('hbone-client', serverPort, dir, { FINAL_PORT: String(target) });
  return pair('hbone pair', clientPort, [client, server]);
}

let stunnelPort = 26_000 + Math.floor(Math.random() * 2000);

/** A stunnel4 pair (client mode → server mode), TLS 1.3 with the same certificates. */
export async function stunnelPath(target: number, dir: string): Promise<Path> {
  const entry = stunnelPort++;
  const middle = stunnelPort++;
  const common = ['foreground = yes', 'pid =', 'debug = 3', 'sslVersionMin = TLSv1.3', 'socket = l:TCP_NODELAY=1', 'socket = r:TCP_NODELAY=1'];
  const conf = (side: string, lines: string[]) => {
    const file = join(dir, `stunnel-${side}-${entry}.conf`);
    writeFileSync(file, [...common, `[${side}]`, ...lines].join('\n') + '\n');
    return file;
  };
  const serverConf = conf('server', [`accept = 127.0.0.1:${middle}`, `connect = 127.0.0.1:${target}`, `cert = ${dir}/server.crt`,
    `key = ${dir}/server.key`, `CAfile = ${dir}/server.ca`, 'verifyChain = yes']);
  const clientConf = conf('client', ['client = yes', `accept = 127.0.0.1:${entry}`, `connect = 127.0.0.1:${middle}`,
    `cert = ${dir}/client.crt`, `key = ${dir}/client.key`, `CAfile = ${dir}/client.ca`, 'verifyChain = yes']);
  const server = spawn('stunnel4', [serverConf], { stdio: 'ignore' });
  const client = spawn('stunnel4', [clientConf], { stdio: 'ignore' });
  await waitForPort(entry);
  await waitForPort(middle);
  return pair('stunnel pair', entry, [client, server]);
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}
