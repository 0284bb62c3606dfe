// `ambientctl authz eval --admin/--node`: policies from a ztunnel's /config_dump over real HTTP on loopback (read as
// ztunnel-config reads it). The dump is one a real ztunnel served (recorded by ztunnel-config-record.ts from a mesh of
// the quickstart's shape on 127.2.x.y: sleep and curl on node-a, echo on node-b, only sleep allowed to echo).
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRunFile, type RunFile } from '../src/index.js';
import { run } from './support/run-cli.js';

const RECORDED = readFileSync(fileURLToPath(new URL('./golden/node-b.config_dump.json', import.meta.url)), 'utf8');
const SLEEP = ['--src-ip', '127.2.1.1', '--src-identity', 'spiffe://cluster.local/ns/default/sa/sleep'];
const CURL = ['--src-ip', '127.2.1.2', '--src-identity', 'spiffe://cluster.local/ns/guest/sa/curl'];
const TO_ECHO = ['--dst-ip', '127.2.2.1', '--dst-port', '8080'];

let body = '';
let server: Server;
let admin = '';
const cwd = mkdtempSync(join(tmpdir(), 'ambientctl-authz-live-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/config_dump') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  admin = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const runFile: RunFile = {
    version: 1, dir: cwd, mode: 'loopback', startedAt: '2026-11-26T00:00:00.000Z', pid: 1,
    ambientd: { pid: 2, grpc: '127.1.0.254:15012', debug: '127.1.0.254:15014', stateDir: '/s', rootCert: '/s/root-cert.pem' },
    ztunnels: [{ node: 'node-b', pid: 3, admin, metrics: '127.1.0.2:15020', readiness: '127.1.0.2:15021' }],
    workloads: [], apps: [],
  };
  await writeRunFile(join(cwd, '.ambient/run.json'), runFile);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(cwd, { recursive: true, force: true });
});

const evaluate = (...args: string[]) => run(['authz', 'eval', ...args], {}, cwd);

describe('authz eval against a live ztunnel', () => {
  beforeAll(() => {
    body = RECORDED;
  });

  it('allows default/sleep to echo with the workload and its policies from the dump', async () => {
    const r = await evaluate('--admin', admin, ...TO_ECHO, ...SLEEP);
    expect(r).toEqual({
      code: 0,
      err: '',
      out: [
        'ALLOW',
        'policy: default/echo-allow-sleep rule 0',
        'reason: allowed by: default/echo-allow-sleep',
        'connection: 127.2.1.1 (spiffe://cluster.local/ns/default/sa/sleep) -> 127.2.2.1:8080',
        'destination: workload default/echo; selected by default/echo-allow-sleep',
        '',
        'POLICY                       ACTION     SCOPE                RESULT',
        'default/echo-allow-sleep     ALLOW      WorkloadSelector     matched rule 0',
        '',
      ].join('\n'),
    });
  });

  it('denies guest/curl through --node from .ambient/run.json, as JSON', async () => {
    const r = await evaluate('--node', 'node-b', ...TO_ECHO, ...CURL, '-o', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      decision: 'DENY', policy: null, reason: 'allow policies exist, but none allowed',
      destination: { namespace: 'default', workload: 'default/echo', selectedBy: ['default/echo-allow-sleep'] },
      policies: [{ policy: 'default/echo-allow-sleep', matched: false, source: null }],
    });
  });

  it.each([
    ['sleep', SLEEP],
    ['curl', CURL],
    ['plaintext', ['--src-ip', '127.2.1.1']],
  ])('decides %s → echo as the same policies from YAML do offline', async (_, source) => {
    const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
    const live = JSON.parse((await evaluate('--admin', admin, ...TO_ECHO, ...source, '-o', 'json')).out) as Record<string, unknown>;
    const offline = JSON.parse((await run(['authz', 'eval', '-f', 'examples/quickstart/mesh', '--dst-namespace', 'default', '--dst-labels', 'app=echo', ...TO_ECHO, ...source, '-o', 'json'], {}, ROOT)).out) as Record<string, unknown>;
    const essence = (r: Record<string, unknown>) => ({ decision: r['decision'], policy: r['policy'], rule: r['rule'], reason: r['reason'], policies: (r['policies'] as Record<string, unknown>[]).map((p) => ({ ...p, source: null })) });
    expect(essence(live)).toEqual(essence(offline));
  });

  it('evaluates a namespace for an address the ztunnel does not know when --dst-namespace is given', async () => {
    const r = await evaluate('--admin', admin, '--dst-namespace', 'default', '--dst-ip', '127.9.9.9', '--dst-port', '80', ...CURL);
    expect(r.code).toBe(0);
    expect(r.out).toContain('destination: namespace default, labels (none); selected by no workload policy');
  });

  it.each([
    ['an unknown node', ['--node', 'node-z', ...TO_ECHO, ...SLEEP], 2, 'no ztunnel for node "node-z" in the local mesh (nodes: node-b)'],
    ['an unknown destination without a namespace', ['--dst-ip', '127.9.9.9', '--dst-port', '80', ...SLEEP], 2, 'knows no workload at --dst-ip 127.9.9.9; pass --dst-namespace'],
    ['a namespace that contradicts the workload', ['--dst-namespace', 'guest', ...TO_ECHO, ...SLEEP], 2, '--dst-namespace guest does not match the workload at 127.2.2.1, which is in namespace default'],
    ['labels, which the ztunnel already knows', ['--dst-labels', 'app=echo', ...TO_ECHO, ...SLEEP], 2, '--dst-labels applies to -f only'],
    ['a malformed admin address', ['--admin', 'localhost', ...TO_ECHO, ...SLEEP], 2, '--admin must be HOST:PORT, not "localhost"'],
  ])('refuses %s', async (_, args, code, message) => {
    const [first, ...rest] = args as [string, ...string[]];
    const r = await evaluate(...(first === '--node' || first === '--admin' ? [first, ...rest] : ['--admin', admin, first, ...rest]));
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
  });

  it('exits 1 naming the address when nothing listens there', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const dead = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const r = await evaluate('--admin', dead, ...TO_ECHO, ...SLEEP);
    expect(r).toEqual({ code: 1, out: '', err: `ambientctl: cannot reach the ztunnel admin at ${dead} (connection refused): is it running?\n` });
  });

  it('exits 1 without a local mesh for --node', async () => {
    const r = await run(['authz', 'eval', '--node', 'node-a', ...TO_ECHO, ...SLEEP], {}, tmpdir());
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no local mesh is running/);
  });
});

describe('authz eval against a ztunnel that answers badly', () => {
  it.each([
    ['not JSON', 'oops', 'is not JSON'],
    ['a malformed policy', JSON.stringify({ workloads: [], policies: [{ name: 'x', namespace: 'y', scope: 'EVERYWHERE', action: 'ALLOW', rules: [] }] }), 'has unusable policies: policies[0].scope: "EVERYWHERE" is not one of GLOBAL, NAMESPACE, WORKLOAD_SELECTOR'],
    ['no policies list', JSON.stringify({ workloads: [] }), 'has unusable policies: policies: must be a list'],
  ])('exits 1 for %s', async (_, text, message) => {
    body = text;
    const r = await evaluate('--admin', admin, '--dst-namespace', 'default', ...TO_ECHO, ...SLEEP);
    expect(r.code).toBe(1);
    expect(r.err).toContain(message);
  });
});
