// ztunnel-config offline: golden tables and -o json|yaml from config dumps recorded from real ztunnels
// (test/golden/node-*.config_dump.json, see ztunnel-config-record.ts), filters, aliases, and every bad input
// (broken dumps, bad flags, no mesh, an admin address nobody listens on) as one sentence with its exit code.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from './support/run-cli.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const golden = (name: string): string => readFileSync(join(GOLDEN, name), 'utf8');
const A = 'node-a.config_dump.json';
const B = 'node-b.config_dump.json';
const zc = (...args: string[]) => run(['ztunnel-config', ...args], {}, GOLDEN);

beforeEach(() => {
  // Inside every recorded certificate's validity, so VALID CERT does not depend on when the test runs.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-26T12:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ztunnel-config tables from a recorded dump', () => {
  it.each([
    [['workloads', '-f', A], 'workloads.txt'],
    [['services', '-f', A], 'services.txt'],
    [['policies', '-f', A], 'policies.txt'],
    [['certificates', '-f', A], 'certificates.txt'],
    [['connections', '-f', A], 'connections-node-a.txt'],
    [['connections', '-f', B], 'connections-node-b.txt'],
    [['connections', '-f', B, '--raw'], 'connections-node-b-raw.txt'],
    [['all', '-f', A], 'all.txt'],
    [['all', '-f', A, '--with-headers'], 'all-with-headers.txt'],
  ])('%j prints %s', async (args, file) => {
    expect(await zc(...args)).toEqual({ code: 0, out: golden(file), err: '' });
  });

  it.each([
    [['workloads', '-f', A, '-o', 'json', '--workload-node', 'node-a'], 'workloads-node-a.json'],
    [['services', '-f', A, '-o', 'json'], 'services.json'],
    [['policies', '-f', A, '-o', 'yaml'], 'policies.yaml'],
    [['certificates', '-f', A, '-o', 'yaml'], 'certificates.yaml'],
    [['connections', '-f', A, '-o', 'json'], 'connections-node-a.json'],
  ])('%j prints the raw section %s', async (args, file) => {
    expect(await zc(...args)).toEqual({ code: 0, out: golden(file), err: '' });
  });

  it('prints the whole dump for all -o json, byte for byte as ztunnel served it', async () => {
    expect(await zc('all', '-f', A, '-o', 'json')).toEqual({ code: 0, out: golden(A), err: '' });
  });

  it('answers to the aliases istioctl has', async () => {
    for (const [alias, long] of [['w', 'workload'], ['svc', 'services'], ['s', 'service'], ['pol', 'policy'], ['p', 'policies'], ['cert', 'certificates'], ['certs', 'certificate'], ['cons', 'connections']] as const) {
      expect((await run(['zc', alias, '-f', A], {}, GOLDEN)).out).toBe((await zc(long, '-f', A)).out);
    }
  });

  it('filters workloads by namespace, address and node', async () => {
    const head = 'NAMESPACE     POD NAME     ADDRESS       NODE       WAYPOINT     PROTOCOL\n';
    expect((await zc('workloads', '-f', A, '--workload-namespace', 'guest')).out).toBe(`${head}guest         curl         127.2.1.2     node-a     None         HBONE\n`);
    expect((await zc('workloads', '-f', A, '--address', '127.2.2.1')).out).toBe(`${head}default       echo         127.2.2.1     node-b     None         HBONE\n`);
    expect((await zc('workloads', '-f', A, '--workload-node', 'node-b', '-o', 'json')).out).toContain('"name": "echo"');
    expect((await zc('workloads', '-f', A, '--workload-node', 'node-b', '-o', 'json')).out).not.toContain('"name": "sleep"');
  });

  it('prints only the header when a filter matches nothing', async () => {
    expect((await zc('services', '-f', A, '--service-namespace', 'guest')).out).toBe('NAMESPACE     SERVICE NAME     SERVICE VIP     WAYPOINT     ENDPOINTS\n');
    expect((await zc('policies', '-f', A, '--policy-namespace', 'guest', '-o', 'json')).out).toBe('[]\n');
    expect((await zc('connections', '-f', A, '--direction', 'inbound')).out).toBe('WORKLOAD     DIRECTION     LOCAL     REMOTE     REMOTE TARGET     PROTOCOL\n');
    expect((await zc('connections', '-f', B, '--workload-namespace', 'guest', '-o', 'json')).out).toBe('[]\n');
  });

  it('says a leaf certificate past its NOT AFTER is not valid while its root still is', async () => {
    vi.setSystemTime(new Date('2026-11-28T00:00:00Z'));
    const valid = (await zc('certificates', '-f', A)).out.split('\n').slice(1, 3).map((line) => line.split(/\s{2,}/).slice(1, 4).join(' '));
    expect(valid).toEqual(['Leaf Available false', 'Root Available true']);
  });
});

describe('ztunnel-config with bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ambientctl-zc-bad-'));
  const dump = JSON.parse(golden(A)) as Record<string, unknown>;
  const file = (name: string, text: string): string => (writeFileSync(join(dir, name), text), join(dir, name));
  const without = (key: string): string => JSON.stringify({ ...dump, [key]: undefined });

  it.each([
    ['not JSON', '{"workloads": [', 'workloads', /^ambientctl: the config dump from .*truncated\.json is not JSON: .+\n$/],
    ['a list', '[]', 'workloads', /is not a JSON object with workloads, services, policies and certificates\n$/],
    ['no workloads', without('workloads'), 'workloads', /has no "workloads" section\n$/],
    ['no services', without('services'), 'services', /has no "services" section\n$/],
    ['no certificates', without('certificates'), 'certificates', /has no "certificates" section\n$/],
    ['no connections', without('connections'), 'connections', /has no "connections" section \(this ztunnel does not report open connections\)\n$/],
    ['workloads not a list', JSON.stringify({ ...dump, workloads: 'x' }), 'workloads', /has a "workloads" section that is not a list of objects\n$/],
    ['policies of numbers', JSON.stringify({ ...dump, policies: [1] }), 'policies', /has a "policies" section that is not a list of objects\n$/],
  ])('names the file and the problem when the dump is %s', async (_what, text, sub, message) => {
    const r = await zc(sub, '-f', file('truncated.json', text));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err.split('\n')).toHaveLength(2);
  });

  it('says a dump file does not exist', async () => {
    const r = await zc('workloads', '-f', 'nope.json');
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toMatch(/^ambientctl: cannot read the config dump .*nope\.json: ENOENT/);
  });

  it('says in one sentence that nothing listens on the admin address, and exits 1', async () => {
    const port = await freePort();
    const r = await zc('workloads', '--admin', `127.0.0.1:${port}`);
    expect(r).toEqual({ code: 1, out: '', err: `ambientctl: cannot reach the ztunnel admin at 127.0.0.1:${port} (connection refused): is it running?\n` });
    expect((await zc('log', '--admin', `127.0.0.1:${port}`)).err).toBe(`ambientctl: cannot reach the ztunnel admin at 127.0.0.1:${port} (connection refused): is it running?\n`);
  });

  it('says no local mesh is running when there is no run file', async () => {
    const r = await run(['zc', 'workloads'], {}, dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ambientctl: no local mesh is running .*ambientctl up DIR/);
  });

  it('exits 2 for bad flags, naming the flag', async () => {
    mkdirSync(join(dir, '.ambient'), { recursive: true });
    writeFileSync(join(dir, '.ambient', 'run.json'), JSON.stringify({ version: 1, ztunnels: [{ node: 'node-a', admin: '127.0.0.1:1' }] }));
    const cases: [string[], string][] = [
      [['workloads', '-o', 'wide'], '-o must be one of short, json, yaml, not "wide"'],
      [['workloads', '--admin', 'localhost'], '--admin must be HOST:PORT, not "localhost"'],
      [['workloads', '--admin', '127.0.0.1:1', '--node', 'node-a'], '--admin and --node both pick a ztunnel: give one of them'],
      [['workloads', '-f', A, '--admin', '127.0.0.1:1'], '--file reads a saved dump: it cannot be combined with --admin or --node'],
      [['connections', '--direction', 'sideways'], '--direction must be inbound or outbound, not "sideways"'],
      [['certificates', '--node', 'node-z'], 'no ztunnel for node "node-z" in the local mesh (nodes: node-a)'],
      [['log', '--level', 'debug', '--reset'], '--level and --reset cannot be combined'],
    ];
    for (const [args, message] of cases) {
      expect(await run(['zc', ...args], {}, dir)).toEqual({ code: 2, out: '', err: `ambientctl: ${message} (see 'ambientctl --help')\n` });
    }
  });

  it('describes every subcommand with its aliases in --help', async () => {
    const help = (await run(['zc', '--help'])).out;
    for (const line of ['workload|workloads', 'service|services', 'policy|policies', 'certificate|certificates', 'connections|cons', 'all', 'log|o']) expect(help).toContain(line);
    const cons = await run(['zc', 'cons', '--help']);
    expect(cons.code).toBe(0);
    expect(cons.out).toContain('--direction <dir>');
    expect(cons.out).toContain('--raw');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
