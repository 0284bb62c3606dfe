// The real command through bin/ambientd.js: help, bad flags, create-token, serving, SIGTERM, restart over one state dir.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressType, authorizationType } from '@ambient/xds-client';
import { loadTokenKey, verifyToken } from '@ambient/spiffe';
import { MESH, getText, tempDir, WORKLOAD_UID, ztunnel } from './fixtures.js';

const BIN = fileURLToPath(new URL('../bin/ambientd.js', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Daemon {
  readonly child: ChildProcess;
  readonly grpcAddress: string;
  readonly debugAddress: string;
  readonly rootPem: string;
  readonly exited: Promise<number | null>;
}

/** Starts ambientd on port 0 and reads the bound addresses from its 'ambientd ready' log line. */
async function startDaemon(configDir: string, stateDir: string): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN, '--config', configDir, '--state-dir', stateDir, '--grpc-listen', '127.0.0.1:0', '--debug-listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let log = '';
  const ready = await new Promise<{ grpc: string; debug: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ambientd did not get ready:\n${log}`)), 15_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      for (const line of log.split('\n')) {
        if (!line.includes('"ambientd ready"')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line) as { grpc: string; debug: string });
      }
    });
    void exited.then((code) => reject(new Error(`ambientd exited with ${code}:\n${log}`)));
  });
  return { child, grpcAddress: ready.grpc, debugAddress: ready.debug, rootPem: readFileSync(join(stateDir, 'root-cert.pem'), 'utf8'), exited };
}

describe('the ambientd command', () => {
  it('prints help and exits 0', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--config DIR[\s\S]*--trusted-node-accounts/);
    expect(run(['create-token', '--help']).stdout).toMatch(/--service-account SA/);
  });

  it.each([
    [['--config'], /--config/],
    [['--bogus', 'x'], /Unknown option '--bogus'/],
    [[], /--config is required/],
    [['--config', '/nonexistent/ambient'], /--config \/nonexistent\/ambient: no such directory/],
    [['--config', '.', '--grpc-listen', 'localhost'], /--grpc-listen must be HOST:PORT/],
    [['serve-me'], /unknown command "serve-me"/],
    [['create-token', '--namespace', 'default'], /--service-account is required/],
    [['create-token', '--namespace', 'default', '--service-account', 'sa', '--duration', '1d'], /--duration: .*"1d"/],
    [['create-token', '--namespace', 'no/slash', '--service-account', 'sa', '--state-dir', tempDir('bad-name')], /namespace/],
  ])('exits 2 with one sentence for %j', (args, message) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});

describe('ambientd as a process', () => {
  const configDir = tempDir('proc-config');
  const stateDir = tempDir('proc-state');
  let daemon: Daemon;
  beforeAll(async () => {
    for (const [name, text] of Object.entries(MESH)) writeFileSync(join(configDir, name), text);
    daemon = await startDaemon(configDir, stateDir);
  });
  afterAll(() => {
    daemon.child.kill('SIGKILL');
  });

  it('mints a token on stdout that the state directory key verifies', async () => {
    const result = run(['create-token', '--namespace', 'istio-system', '--service-account', 'ztunnel', '--node', 'node-a', '--duration', '1h'], { AMBIENT_STATE_DIR: stateDir });
    expect(result.status).toBe(0);
    const token = result.stdout.trim();
    expect(result.stdout).toBe(`${token}\n`);
    const claims = verifyToken(token, await loadTokenKey(stateDir));
    expect(claims).toMatchObject({ namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-a' });
    expect(claims.expiresAt - claims.issuedAt).toBe(3600);
  });

  it('serves a ztunnel with that token, keeps its root across a restart, and exits 0 on SIGTERM', async () => {
    const token = run(['create-token', '--namespace', 'istio-system', '--service-account', 'ztunnel', '--node', 'node-a', '--state-dir', stateDir]).stdout.trim();
    expect((await getText(daemon, '/ready')).status).toBe(200);
    const client = ztunnel(daemon, token, 'node-a');
    try {
      await client.ready();
      expect(client.find(addressType, WORKLOAD_UID('default', 'echo'))).toBeDefined();
      expect(client.find(authorizationType, 'default/allow-sleep')).toBeDefined();
    } finally {
      client.close();
    }
    const rootBefore = daemon.rootPem;
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    for (const key of ['ca-key.pem', 'token-key.pem']) expect(statSync(join(stateDir, key)).mode & 0o777).toBe(0o600);

    daemon = await startDaemon(configDir, stateDir);
    expect(readFileSync(join(stateDir, 'root-cert.pem'), 'utf8')).toBe(rootBefore);
    const again = ztunnel(daemon, token, 'node-a');
    try {
      await again.ready();
      expect(again.find(addressType, WORKLOAD_UID('default', 'echo'))).toBeDefined();
    } finally {
      again.close();
    }
    daemon.child.kill('SIGINT');
    expect(await daemon.exited).toBe(0);
  });
});
