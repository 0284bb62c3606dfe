// Starts the Node paths of the HBONE benchmark as separate processes: plain relay pairs, Node TLS pairs and HBONE
// pairs, each client side listening on loopback and forwarding to a target port (the stunnel baseline is in
// @ambient/hbone/testing).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { benchPath, type BenchPath } from '../src/testing/index.js';

const LOADER = join(import.meta.dirname, '../../../tools/source-loader.mjs');
const PROXY = join(import.meta.dirname, 'proxy.ts');

export type Path = BenchPath;

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

/** Two plain TCP relays in a row: the Node event loop's own cost per hop, with no TLS or HTTP/2. */
export async function nodeTcpPath(target: number): Promise<Path> {
  const [server, serverPort] = await proxy('tcp-relay', target, '');
  const [client, clientPort] = await proxy('tcp-relay', serverPort, '');
  return benchPath('node TCP relay pair', clientPort, [client, server]);
}

export async function nodeTlsPath(target: number, dir: string): Promise<Path> {
  const [server, serverPort] = await proxy('tls-server', target, dir);
  const [client, clientPort] = await proxy('tls-client', serverPort, dir);
  return benchPath('node TLS pair', clientPort, [client, server]);
}

export async function hbonePath(target: number, dir: string): Promise<Path> {
  const [server, serverPort] = await proxy('hbone-server', 0, dir);
  const [client, clientPort] = await proxy('hbone-client', serverPort, dir, { FINAL_PORT: String(target) });
  return benchPath('hbone pair', clientPort, [client, server]);
}
