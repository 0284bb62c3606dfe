// The mesh under test, as deployed: a real ambientd and two real ztunnel processes (node-a serves sleep, node-b
// serves echo), from the quickstart YAML moved to the bench's own addresses, with node tokens from `ambientd
// create-token`. Each process logs to its own file, as a container runtime would collect it, so access logs cost
// what they cost.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binArgv } from '@ambient/core';
import { freePort } from '@ambient/hbone/testing';

const AMBIENTD = fileURLToPath(new URL('../../ambientd/bin/ambientd.js', import.meta.url));
const ZTUNNEL = fileURLToPath(new URL('../bin/ztunnel.js', import.meta.url));

/** Workload addresses of the bench, apart from the tests' (127.0.10.1, 127.0.20.1). */
export const SLEEP_IP = '127.0.14.1';
export const ECHO_IP = '127.0.24.1';
export const SOCKS_PORT = 15080;

/** The quickstart mesh the e2e test uses (sleep → echo, echo allows only sleep), moved to the bench's addresses. */
const QUICKSTART = fileURLToPath(new URL('../../../packages/mesh-config/test/fixtures/quickstart', import.meta.url));
const MOVED: Record<string, string> = { '127.0.10.1': SLEEP_IP, '127.0.20.1': ECHO_IP };

function writeMeshConfig(configDir: string): void {
  for (const file of readdirSync(QUICKSTART).filter((f) => f.endsWith('.yaml'))) {
    const yaml = readFileSync(join(QUICKSTART, file), 'utf8').replace(/127\.0\.[12]0\.1\b/g, (ip) => MOVED[ip] ?? ip);
    writeFileSync(join(configDir, file), yaml);
  }
}

export interface Mesh {
  /** The two ztunnel processes (node-a, node-b). */
  readonly ztunnelPids: number[];
  /** Asks every process to drain and waits for them to exit (a --cpu-prof profile is written then). */
  stop(): Promise<void>;
}

export interface MeshOptions {
  readonly dir: string;
  /** Extra node flags for the ztunnel processes (e.g. --cpu-prof). */
  readonly ztunnelNodeFlags?: readonly string[];
  /** Extra ztunnel flags (e.g. --dns-capture true). */
  readonly ztunnelArgs?: readonly string[];
}

export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const { dir } = options;
  const configDir = join(dir, 'config');
  const stateDir = join(dir, 'state');
  mkdirSync(configDir, { recursive: true });
  writeMeshConfig(configDir);
  const grpc = `127.0.0.1:${await freePort()}`;
  const debug = `127.0.0.1:${await freePort()}`;
  const children: ChildProcess[] = [];
  const start = (name: string, args: string[]): ChildProcess => {
    const log = openSync(join(dir, `${name}.log`), 'a');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', log] });
    children.push(child);
    return child;
  };
  const stop = async (): Promise<void> => {
    const exits = children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve()));
    for (const c of children.slice().reverse()) c.kill('SIGTERM');
    await Promise.all(exits);
  };
  try {
    start('ambientd', [AMBIENTD, '--config', configDir, '--state-dir', stateDir, '--grpc-listen', grpc, '--debug-listen', debug]);
    await waitHttp(`http://${debug}/ready`, 'ambientd', dir);
    const ztunnels: ChildProcess[] = [];
    const readiness: string[] = [];
    for (const node of ['node-a', 'node-b']) {
      const tokenFile = join(dir, `${node}.token`);
      writeFileSync(tokenFile, createToken(stateDir, node));
      const ports = [await freePort(), await freePort(), await freePort()];
      readiness.push(`127.0.0.1:${ports[2]}`);
      ztunnels.push(
        start(node, [...(options.ztunnelNodeFlags ?? []), ...binArgv(ZTUNNEL, ['--node', node, '--xds-address', grpc, '--token-file', tokenFile,
          '--root-cert', join(stateDir, 'root-cert.pem'), '--admin-listen', `127.0.0.1:${ports[0]}`,
          '--metrics-listen', `127.0.0.1:${ports[1]}`, '--readiness-listen', `127.0.0.1:${ports[2]}`, ...(options.ztunnelArgs ?? [])])]),
      );
    }
    for (const [i, address] of readiness.entries()) await waitHttp(`http://${address}/healthz/ready`, `node-${'ab'[i]}`, dir);
    return { ztunnelPids: ztunnels.map((z) => z.pid ?? 0), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function createToken(stateDir: string, node: string): string {
  const args = [AMBIENTD, 'create-token', '--namespace', 'istio-system', '--service-account', 'ztunnel', '--node', node, '--state-dir', stateDir];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ambientd create-token failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** Polls until the URL answers 200; each process compiles its TypeScript on start, so this may take seconds. */
async function waitHttp(url: string, name: string, dir: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const ok = await fetch(url).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} not ready at ${url}; its log:\n${readFileSync(join(dir, `${name}.log`), 'utf8').slice(-2000)}`);
}
