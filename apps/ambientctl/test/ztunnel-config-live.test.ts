// ztunnel-config, proxy-status and log against a real ambientd and two real ztunnels (processes on 127.2.x.y, see
// ztunnel-config-mesh.ts) with sleep → echo open: through --admin, and through a run file the test writes the way
// `ambientctl up` does, where certificates and connections cover both nodes.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRunFile } from '../src/index.js';
import { MESH, startMesh, type Mesh } from './ztunnel-config-mesh.js';
import { run } from './support/run-cli.js';

const golden = (name: string): string => readFileSync(fileURLToPath(new URL(`./golden/${name}`, import.meta.url)), 'utf8');

let mesh: Mesh;
let cwd: string;
let sleepPort: number;

beforeAll(async () => {
  mesh = await startMesh();
  const socket = await mesh.connect();
  socket.write('hello');
  await new Promise((resolve) => socket.once('data', resolve));
  sleepPort = socket.localPort ?? 0;
  cwd = mkdtempSync(join(tmpdir(), 'ambientctl-live-'));
  mkdirSync(join(cwd, '.ambient'));
  await writeRunFile(join(cwd, '.ambient', 'run.json'), {
    version: 1,
    dir: mesh.dir,
    mode: 'loopback',
    startedAt: new Date().toISOString(),
    pid: process.pid,
    ambientd: { pid: 0, grpc: '', debug: mesh.debug, stateDir: join(mesh.dir, 'state'), rootCert: join(mesh.dir, 'state', 'root-cert.pem') },
    ztunnels: Object.entries(mesh.admin).map(([node, admin]) => ({ node, pid: 0, admin, metrics: '', readiness: '' })),
    workloads: [],
    apps: [],
  });
}, 240_000);

afterAll(async () => {
  await mesh?.stop();
});

describe('against a running mesh', () => {
  it('prints the same mesh view through --admin as the recorded dump', async () => {
    for (const [sub, file] of [['workloads', 'workloads.txt'], ['services', 'services.txt'], ['policies', 'policies.txt']] as const) {
      expect(await run(['zc', sub, '--admin', mesh.admin['node-b'] ?? ''])).toEqual({ code: 0, out: golden(file), err: '' });
    }
  });

  it('lists the open connection on both nodes through the run file, with names and with --raw', async () => {
    const named = await run(['zc', 'connections'], {}, cwd);
    expect(named.code).toBe(0);
    const lines = named.out.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    expect(lines[0]).toEqual(['WORKLOAD', 'DIRECTION', 'LOCAL', 'REMOTE', 'REMOTE TARGET', 'PROTOCOL']);
    expect(lines).toContainEqual(['sleep.default', 'Outbound', `sleep.default:${sleepPort}`, 'echo.default:15008', 'echo.default.mesh:80', 'HBONE']);
    expect(lines.find((l) => l[1] === 'Inbound')).toEqual(['echo.default', 'Inbound', 'echo.default:8080', expect.stringMatching(/^sleep\.default:\d+$/), 'echo.default:8080', 'HBONE']);
    const raw = await run(['zc', 'cons', '--raw', '--direction', 'outbound', '--node', 'node-a'], {}, cwd);
    expect(raw.out.trimEnd().split('\n').slice(1)).toEqual([expect.stringMatching(new RegExp(`^sleep\\.default +Outbound +${MESH.sleep}:${sleepPort} +${MESH.echo}:15008 +echo\\.default\\.mesh:80 +HBONE$`))]);
  });

  it("lists every node's certificates through the run file, and one node's with --node", async () => {
    const all = await run(['zc', 'certs'], {}, cwd);
    const leaves = all.out.split('\n').filter((l) => / Leaf /.test(l)).map((l) => l.split(/\s{2,}/).slice(0, 4));
    expect(leaves).toEqual([
      ['spiffe://cluster.local/ns/default/sa/sleep', 'Leaf', 'Available', 'true'],
      ['spiffe://cluster.local/ns/guest/sa/curl', 'Leaf', 'Available', 'true'],
      ['spiffe://cluster.local/ns/default/sa/echo', 'Leaf', 'Available', 'true'],
    ]);
    const b = await run(['zc', 'certs', '--node', 'node-b', '-o', 'json'], {}, cwd);
    expect((JSON.parse(b.out) as { identity: string }[]).map((c) => c.identity)).toEqual(['spiffe://cluster.local/ns/default/sa/echo']);
  });

  it('prints every table with all, the per-node ones covering both nodes', async () => {
    const all = await run(['zc', 'all', '--with-headers'], {}, cwd);
    expect(all.code).toBe(0);
    const [, workloads, services, policies, secrets, connections] = all.out.split(/\n------ \w+ INFO ------\n\n/);
    expect(workloads).toBe(golden('workloads.txt'));
    expect(services).toBe(golden('services.txt'));
    expect(policies).toBe(golden('policies.txt'));
    expect(secrets?.match(/ Leaf /g)).toHaveLength(3);
    expect(connections?.match(/ (Inbound|Outbound) /g)?.sort()).toEqual([' Inbound ', ' Outbound ']);
    const json = JSON.parse((await run(['zc', 'all', '-o', 'json'], {}, cwd)).out) as { certificates: unknown[]; connections: unknown[]; workloads: unknown[] };
    expect([json.workloads.length, json.certificates.length, json.connections.length]).toEqual([3, 3, 2]);
  });

  it('prints both ztunnels in proxy-status, from the run file and from --debug', async () => {
    const expected = golden('proxy-status.txt');
    expect(await run(['ps'], {}, cwd)).toEqual({ code: 0, out: expected, err: '' });
    expect((await run(['proxy-status', '--debug', mesh.debug, '-v', '1'])).out).toBe(golden('proxy-status-v1.txt'));
  });

  it('reads and sets the log level of every ztunnel or of one', async () => {
    expect(await run(['zc', 'log'], {}, cwd)).toEqual({ code: 0, out: 'node-a: current log level is info\nnode-b: current log level is info\n', err: '' });
    expect((await run(['zc', 'log', '--node', 'node-b', '--level', 'debug'], {}, cwd)).out).toBe('node-b: current log level is debug\n');
    expect((await run(['zc', 'log', '--admin', mesh.admin['node-b'] ?? ''])).out).toBe(`${mesh.admin['node-b']}: current log level is debug\n`);
    expect((await run(['zc', 'log', '--node', 'node-a', '--level', 'access:warn,dns:off'], {}, cwd)).out).toBe('node-a: current log level is info,access=warn,dns=off\n');
    expect((await run(['zc', 'log', '--reset'], {}, cwd)).out).toBe('node-a: current log level is info\nnode-b: current log level is info\n');
    const bad = await run(['zc', 'log', '--node', 'node-a', '--level', 'loud'], {}, cwd);
    expect(bad).toEqual({ code: 1, out: '', err: `ambientctl: the ztunnel of node-a at ${mesh.admin['node-a']} refused the level: unknown level "loud": use one of error, warn, info, debug, trace, off\n` });
  });
});
