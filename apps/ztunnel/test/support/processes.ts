// Real processes for the end-to-end test: ambientd through its bin, ztunnels through ours, each reporting the
// addresses it bound on port 0 in a JSON log line; stderr kept for assertions on access-log lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binArgv } from '@ambient/core';
import { waitFor } from './wait.js';

const AMBIENTD = fileURLToPath(new URL('../../../ambientd/bin/ambientd.js', import.meta.url));
const ZTUNNEL = fileURLToPath(new URL('../../bin/ztunnel.js', import.meta.url));

export interface Running {
  readonly child: ChildProcess;
  /** The fields of the first log line with this message. */
  readonly started: Record<string, string>;
  /** Every stderr line so far, parsed. */
  lines(): Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** Starts `bin` with node's flags from its shebang (`asShebang`), or as plain `node bin ARGS…`. */
function startProcess(bin: string, args: string[], readyMessage: string, asShebang = true): Promise<Running> {
  const child = spawn(process.execPath, asShebang ? binArgv(bin, args) : [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let log = '';
  const lines = (): Record<string, unknown>[] =>
    log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return new Promise((resolve, reject) => {
    // Generous: each process compiles its TypeScript on start, and the machine is shared.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} did not log "${readyMessage}":\n${log}`));
    }, 90_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const before = lines().length;
      log += chunk;
      const found = lines().slice(Math.max(0, before - 1)).find((l) => l['msg'] === readyMessage);
      if (found) {
        clearTimeout(timer);
        resolve({
          child,
          started: found as Record<string, string>,
          lines,
          exited,
          stop: () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`${bin} exited with ${code}:\n${log}`)));
  });
}

/** An ambientd process: where its state (CA, token key) lives, and the mesh root it writes there. */
export type Ambientd = Running & { readonly stateDir: string; readonly rootCertFile: string };

export async function startAmbientd(configDir: string, stateDir: string): Promise<Ambientd> {
  const running = await startProcess(AMBIENTD, ['--config', configDir, '--state-dir', stateDir, '--grpc-listen', '127.0.0.1:0', '--debug-listen', '127.0.0.1:0'], 'ambientd ready');
  return { ...running, stateDir, rootCertFile: join(stateDir, 'root-cert.pem') };
}

/** A node token from `ambientd create-token`, as an operator would mint it. */
export function createNodeToken(stateDir: string, node: string): string {
  const result = spawnSync(process.execPath, [AMBIENTD, 'create-token', '--namespace', 'istio-system', '--service-account', 'ztunnel', '--node', node, '--state-dir', stateDir], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`create-token failed: ${result.stderr}`);
  return result.stdout.trim();
}

export function startZtunnelProcess(args: Record<string, string>, asShebang = true): Promise<Running> {
  const flags = Object.entries(args).flatMap(([k, v]) => [`--${k}`, v]);
  return startProcess(ZTUNNEL, [...flags, '--admin-listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--readiness-listen', '127.0.0.1:0'], 'ztunnel started', asShebang);
}

/**
 * A ztunnel process for `node` with this ambientd as its xDS server and CA, its node token written into `dir`; `args`
 * are more flags (--dns-upstream …) or take the place of these (an `xds-address` of another control plane, with
 * ambientd as the CA only); `asShebang` as in startZtunnelProcess. Resolves once it has started, not yet ready
 * (waitUntilReady).
 */
export function startZtunnelAgainst(ambientd: Ambientd, dir: string, node: string, args: Record<string, string> = {}, asShebang = true): Promise<Running> {
  const tokenFile = join(dir, `${node}.token`);
  writeFileSync(tokenFile, createNodeToken(ambientd.stateDir, node));
  return startZtunnelProcess({ node, 'xds-address': ambientd.started['grpc'] ?? '', 'token-file': tokenFile, 'root-cert': ambientd.rootCertFile, ...args }, asShebang);
}

/** ambientd over a config directory and one ztunnel, for node-a, against it. */
export interface OneNodeMesh {
  readonly ztunnel: Running;
  /** Stops the ztunnel, then ambientd. */
  stop(): Promise<void>;
}

/**
 * Starts a OneNodeMesh over `configDir`, ambientd's state in `<dir>/state`, `args` more ztunnel flags; resolves once
 * the ztunnel is ready, or stops what it started and rejects.
 */
export async function startOneNodeMesh(configDir: string, dir: string, args: Record<string, string> = {}): Promise<OneNodeMesh> {
  const ambientd = await startAmbientd(configDir, join(dir, 'state'));
  let ztunnel: Running | undefined;
  const stop = async (): Promise<void> => {
    await ztunnel?.stop();
    await ambientd.stop();
  };
  try {
    ztunnel = await startZtunnelAgainst(ambientd, dir, 'node-a', args);
    await waitUntilReady(ztunnel);
    return { ztunnel, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves once a ztunnel from startZtunnelProcess answers 200 on /healthz/ready (xDS synced, certificates ready). */
export async function waitUntilReady(ztunnel: Running, ms = 60_000): Promise<void> {
  const url = `http://${ztunnel.started['readiness'] ?? ''}/healthz/ready`;
  await waitFor(`ztunnel at ${url} to be ready`, async () => (await fetch(url).catch(() => undefined))?.status === 200, ms, 50);
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}
