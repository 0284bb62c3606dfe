// The CLI's shared conventions: exit codes, one-sentence errors, aligned tables, stable -o output, the run file.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunFile, writeRunFile, type RunFile } from '../src/index.js';
import { run } from './support/run-cli.js';
import { formatTable } from '../src/output/table.js';
import { formatData, parseOutputMode } from '../src/output/format.js';

describe('ambientctl conventions', () => {
  it('answers an unknown command with one sentence and exit 2', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ambientctl: unknown command 'frobnicate' \(see 'ambientctl --help'\)\n$/);
  });

  it('answers a bad flag with exit 2', async () => {
    const r = await run(['version', '--frob']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("ambientctl: unknown option '--frob' (see 'ambientctl --help')\n");
  });

  it('treats a command group without its subcommand as bad usage, after printing the group help', async () => {
    const r = await run(['ztunnel-config']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: ambientctl ztunnel-config');
  });

  it('prints its version', async () => {
    expect(await run(['version'])).toEqual({ code: 0, out: 'client version: 0.0.0\n', err: '' });
  });

  it('prints --help on stdout and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: ambientctl');
  });

  it('aligns tables with istioctl-style gaps and no trailing spaces', () => {
    expect(formatTable(['NAMESPACE', 'POD NAME', 'ADDRESS'], [['default', 'sleep', '127.0.10.1'], ['guest', 'curl-long-name', '']])).toBe(
      'NAMESPACE     POD NAME           ADDRESS\n' + 'default       sleep              127.0.10.1\n' + 'guest         curl-long-name\n',
    );
  });

  it('accepts only short, json and yaml for -o', () => {
    expect(parseOutputMode(undefined)).toBe('short');
    expect(parseOutputMode('yaml')).toBe('yaml');
    expect(() => parseOutputMode('wide')).toThrow('-o must be one of short, json, yaml, not "wide"');
  });

  it('prints the same data as JSON and YAML', () => {
    expect(formatData('json', { a: [1, 'x'] })).toBe('{\n  "a": [\n    1,\n    "x"\n  ]\n}\n');
    expect(formatData('yaml', { a: [1, 'x'] })).toBe('a:\n  - 1\n  - x\n');
  });
});

describe('run file', () => {
  const sample: RunFile = {
    version: 1,
    dir: '/x',
    mode: 'loopback',
    startedAt: '2026-11-26T00:00:00.000Z',
    pid: 1,
    ambientd: { pid: 2, grpc: '127.0.0.1:15012', debug: '127.0.0.1:15014', stateDir: '/s', rootCert: '/s/root-cert.pem' },
    ztunnels: [{ node: 'node-a', pid: 3, admin: '127.0.1.1:15000', metrics: '127.0.1.1:15020', readiness: '127.0.1.1:15021' }],
    workloads: [{ namespace: 'default', name: 'sleep', address: '127.0.10.1', node: 'node-a' }],
    apps: [],
  };

  it('round-trips', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'ambientctl-')), 'sub', 'run.json');
    await writeRunFile(path, sample);
    expect(await readRunFile(path)).toEqual(sample);
  });

  it('says no mesh is running when the file is missing', async () => {
    await expect(readRunFile('/nonexistent/run.json')).rejects.toThrow(/no local mesh is running .*ambientctl up DIR/);
  });

  it('names a file that is not JSON or not a run file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ambientctl-'));
    await writeFile(join(dir, 'a.json'), '{not json');
    await writeFile(join(dir, 'b.json'), '{"version": 7}');
    await expect(readRunFile(join(dir, 'a.json'))).rejects.toThrow(/a\.json is not valid JSON/);
    await expect(readRunFile(join(dir, 'b.json'))).rejects.toThrow(/b\.json is not an ambientctl run file/);
  });
});
