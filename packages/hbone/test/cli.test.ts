// The `hbone` command as a user runs it (`npx hbone …` resolves to bin/hbone.js), with SVIDs from the mesh CA
// (@ambient/spiffe, through an intermediate) instead of openssl's.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsMaterialFromSvid } from '@ambient/spiffe';
import { createTestIntermediateCa, issueTestSvid } from '@ambient/spiffe/testing';
import { ID } from './pki.js';
import { startEcho, type EchoServer } from './helpers.js';

const BIN = join(import.meta.dirname, '../bin/hbone.js');
const dir = mkdtempSync(join(tmpdir(), 'hbone-cli-'));
const ca = createTestIntermediateCa();
let echo: EchoServer;
let server: ChildProcess;
let port: number;
const logLines: Record<string, unknown>[] = [];

function writeSvid(name: string, identity: string): string[] {
  const m = tlsMaterialFromSvid(issueTestSvid(identity, ca));
  for (const [ext, text] of [['crt', m.cert], ['key', m.key], ['ca', m.ca]] as const) writeFileSync(join(dir, `${name}.${ext}`), text);
  return ['--cert', join(dir, `${name}.crt`), '--key', join(dir, `${name}.key`), '--ca', join(dir, `${name}.ca`)];
}

/** Runs `hbone connect` without blocking this process (the echo target lives here). */
function runConnect(args: string[], input: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'connect', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(input);
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

beforeAll(async () => {
  echo = await startEcho();
  server = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', ...writeSvid('server', ID.server)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines = createInterface({ input: server.stderr! });
  port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logLines.push(entry);
      if (entry.msg === 'hbone serving') resolve(Number(String(entry.address).split(':').at(-1)));
    });
    server.once('exit', (code) => reject(new Error(`hbone serve exited with ${code}`)));
  });
}, 30_000);

afterAll(async () => {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await echo.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hbone serve + hbone connect', () => {
  it('pipes stdin through a tunnel and logs the peer identity', async () => {
    const run = await runConnect(['--via', `127.0.0.1:${port}`, ...writeSvid('client', ID.client), '--expect-identity', ID.server, `127.0.0.1:${echo.port}`], 'ping through the mesh\n');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('ping through the mesh\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(logLines.find((l) => l.msg === 'tunnel closed')).toMatchObject({ peer: ID.client, authority: `127.0.0.1:${echo.port}`, bytes_in: 22, bytes_out: 22 });
  });

  it('exits 1 with the reason when the server is not the expected identity', async () => {
    const run = await runConnect(['--via', `127.0.0.1:${port}`, ...writeSvid('client2', ID.client), '--expect-identity', ID.gateway, `127.0.0.1:${echo.port}`], 'x');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^hbone: HBONE peer 127\.0\.0\.1:\d+: peer is spiffe:\/\/cluster\.local\/ns\/default\/sa\/echo; expected/);
  });

  it('exits 1 on a refused target (not loopback and not --allow-ed): 401', async () => {
    const run = await runConnect(['--via', `127.0.0.1:${port}`, ...writeSvid('client3', ID.client), '--expect-identity', ID.server, '192.0.2.1:80'], 'x');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('answered http status: 401');
  });

  it('exits 1 on an unreachable target: 503', async () => {
    const run = await runConnect(['--via', `127.0.0.1:${port}`, ...writeSvid('client4', ID.client), '--expect-identity', ID.server, '127.0.0.1:1'], 'x');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('answered http status: 503');
  });
});

describe('bad flags exit 2 with one sentence', () => {
  it.each([
    [['serve', '--listen', 'nowhere'], /--listen must be HOST:PORT/],
    [['serve', '--listen', '127.0.0.1:0', '--cert', '/nonexistent', '--key', 'k', '--ca', 'c'], /--cert \/nonexistent: no such file/],
    [['serve', '--listen', '127.0.0.1:1', '--allow', '10.0.0.0/33', '--cert', 'c', '--key', 'k', '--ca', 'c'], /--allow must be a CIDR/],
    [['connect', '--via', '127.0.0.1:1', 'a', 'b'], /expected exactly one AUTHORITY/],
    [['connect', '--via', '127.0.0.1:1', '--header', 'novalue', '--expect-identity', ID.server, 'x:1'], /--header must be NAME=VALUE/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['serve', '--bogus'], /Unknown option '--bogus'/],
  ])('%j', (args, message) => {
    const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--help prints usage and exits 0', () => {
    const run = spawnSync(process.execPath, [BIN, 'connect', '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('usage: hbone connect');
  });
});
