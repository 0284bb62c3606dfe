// `ambientctl analyze`: one directory of broken files per message code under test/analyze/<CODE>/ (each names the
// code, level, object and file:line it must produce, in expect.json), golden log output, the clean quickstart,
// --failure-threshold, -o json|yaml and bad input.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { allCodes } from '../src/analyze/messages.js';
import { runCli } from '../src/index.js';
import { run } from './support/run-cli.js';

const CASES = fileURLToPath(new URL('./analyze/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const codes = readdirSync(CASES).sort();

interface Expected {
  code: string;
  level: string;
  origin: string | null;
  reference: string;
}

describe('analyze: one directory of broken files per code', () => {
  it('has a directory for every code except CONFIG_ERR_INTERNAL, which only a bug produces', () => {
    expect(codes).toEqual(allCodes().map((c) => c.code).filter((c) => c !== 'CONFIG_ERR_INTERNAL').sort());
  });

  it.each(codes)('%s: reports exactly that code, naming the object and file', async (code) => {
    const expected = JSON.parse(readFileSync(join(CASES, code, 'expect.json'), 'utf8')) as Expected;
    const r = await run(['analyze', code, '-o', 'json'], {}, CASES);
    const messages = JSON.parse(r.out) as (Expected & { message: string })[];
    expect(messages).toHaveLength(1);
    const [m] = messages as [Expected & { message: string }];
    expect(m.code).toBe(code);
    expect({ ...m, message: undefined }).toEqual({ ...expected, message: undefined });
    expect(m.reference.startsWith(`${code}/`)).toBe(true);
    expect(m.message.length).toBeGreaterThan(10);
    expect(r.code).toBe(expected.level === 'Error' ? 1 : 0);
    expect(r.err).toBe('');
  });
});

describe('analyze output (golden)', () => {
  it('prints istioctl-style lines and a summary, exit 1 on an error', async () => {
    const r = await run(['analyze', 'CONFIG_ERR_BAD_ADDRESS'], {}, CASES);
    expect(r).toEqual({
      code: 1,
      err: '',
      out:
        'Error [CONFIG_ERR_BAD_ADDRESS] (WorkloadEntry default/sleep CONFIG_ERR_BAD_ADDRESS/workloads.yaml:8) spec.address: "127.1.1.300" is not an IP address\n' +
        '✘ Found 1 error when analyzing CONFIG_ERR_BAD_ADDRESS\n',
    });
  });

  it('analyzes several paths as one config, sorted by file and line, errors counted first', async () => {
    const r = await run(['analyze', 'ANALYZE_UNKNOWN_SERVICE_ACCOUNT', 'CONFIG_ERR_YAML/broken.yaml', 'ANALYZE_POLICY_NO_IMPACT/policies.yaml'], {}, CASES);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      [
        'Warning [ANALYZE_POLICY_NO_IMPACT] (AuthorizationPolicy default/echo-allow-sleep ANALYZE_POLICY_NO_IMPACT/policies.yaml:2) the policy has no impact: its selector app=ehco matches no workload in namespace default',
        'Error [CONFIG_ERR_DUPLICATE] (AuthorizationPolicy default/echo-allow-sleep ANALYZE_UNKNOWN_SERVICE_ACCOUNT/policies.yaml:2) metadata.name: also defined at ANALYZE_POLICY_NO_IMPACT/policies.yaml:2, which is served',
        'Error [CONFIG_ERR_YAML] (CONFIG_ERR_YAML/broken.yaml:6) Flow sequence in block collection must be sufficiently indented and end with a ] (in the document starting at line 2)',
        '✘ Found 2 errors, 1 warning when analyzing ANALYZE_UNKNOWN_SERVICE_ACCOUNT CONFIG_ERR_YAML/broken.yaml ANALYZE_POLICY_NO_IMPACT/policies.yaml',
        '',
      ].join('\n'),
    );
  });

  it('prints the messages as JSON and YAML with istioctl field names', async () => {
    const json = await run(['analyze', 'ANALYZE_WORKLOAD_NO_NODE', '-o', 'json'], {}, CASES);
    expect(json.out).toBe(
      '[\n  {\n    "code": "ANALYZE_WORKLOAD_NO_NODE",\n    "level": "Warning",\n' +
        '    "message": "WorkloadEntry has no ambient.dev/node label: no ztunnel serves it, so connections to it fail (label a workload that terminates HBONE itself networking.istio.io/tunnel: http)",\n' +
        '    "origin": "WorkloadEntry default/sleep",\n    "reference": "ANALYZE_WORKLOAD_NO_NODE/workloads.yaml:2"\n  }\n]\n',
    );
    const yaml = await run(['analyze', 'ANALYZE_WORKLOAD_NO_NODE', '-o', 'yaml'], {}, CASES);
    expect(yaml.out).toBe(
      '- code: ANALYZE_WORKLOAD_NO_NODE\n  level: Warning\n' +
        '  message: "WorkloadEntry has no ambient.dev/node label: no ztunnel serves it, so connections to it fail (label a workload that terminates HBONE itself networking.istio.io/tunnel: http)"\n' +
        '  origin: WorkloadEntry default/sleep\n  reference: ANALYZE_WORKLOAD_NO_NODE/workloads.yaml:2\n',
    );
  });

  it('finds the quickstart clean', async () => {
    expect(await run(['analyze', 'examples/quickstart/mesh'], {}, ROOT)).toEqual({
      code: 0,
      err: '',
      out: '✔ No validation issues found when analyzing examples/quickstart/mesh\n',
    });
    expect(await run(['analyze', 'examples/quickstart/mesh', '-o', 'json'], {}, ROOT)).toEqual({ code: 0, err: '', out: '[]\n' });
  });

  it('finds the native-service example clean: a workload labelled networking.istio.io/tunnel=http needs no node', async () => {
    expect(await run(['analyze', 'examples/native-service/mesh', '-o', 'json'], {}, ROOT)).toEqual({ code: 0, err: '', out: '[]\n' });
  });

  it('analyzes single files as well as directories', async () => {
    // Without its namespace.yaml the workload's namespace is not in the mesh either.
    const r = await run(['analyze', 'ANALYZE_WORKLOAD_NO_NODE/workloads.yaml'], {}, CASES);
    expect(r.out.split('\n').map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'Warning [ANALYZE_NOT_IN_MESH]', 'Warning [ANALYZE_WORKLOAD_NO_NODE]', '! Found', '',
    ]);
  });
});

describe('colour', () => {
  const tty = async (argv: string[], cwd: string): Promise<string> => {
    let out = '';
    const stdout = Object.assign(new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) }), { isTTY: true });
    await runCli(argv, { stdout, stderr: new Writable({ write: (_c, _e, done) => done() }), env: {}, cwd });
    return out;
  };

  it('colours levels and the ALLOW/DENY verdict only on a TTY', async () => {
    const ESC = '\u001b';
    expect(await tty(['analyze', 'CONFIG_ERR_BAD_PORT'], CASES)).toContain(`${ESC}[31mError${ESC}[0m [CONFIG_ERR_BAD_PORT]`);
    expect(await tty(['analyze', 'ANALYZE_WORKLOAD_NO_NODE'], CASES)).toContain(`${ESC}[33mWarning${ESC}[0m [ANALYZE_WORKLOAD_NO_NODE]`);
    const flags = ['--dst-namespace', 'default', '--dst-labels', 'app=echo', '--dst-ip', '127.1.2.1', '--dst-port', '8080', '--src-ip', '127.1.1.2'];
    expect((await tty(['authz', 'eval', '-f', 'examples/quickstart/mesh', ...flags], ROOT)).startsWith(`${ESC}[31mDENY${ESC}[0m\npolicy: `)).toBe(true);
    expect((await run(['analyze', 'CONFIG_ERR_BAD_PORT'], {}, CASES)).out).not.toContain(ESC);
  });
});

describe('analyze --failure-threshold', () => {
  it.each([
    ['Error', 'ANALYZE_WORKLOAD_NO_NODE', 0],
    ['Warning', 'ANALYZE_WORKLOAD_NO_NODE', 1],
    ['warning', 'ANALYZE_UNKNOWN_SERVICE_ACCOUNT', 0],
    ['Info', 'ANALYZE_UNKNOWN_SERVICE_ACCOUNT', 1],
    ['Info', 'CONFIG_ERR_BAD_PORT', 1],
  ])('%s on %s exits %i', async (threshold, dir, code) => {
    expect((await run(['analyze', dir, '--failure-threshold', threshold], {}, CASES)).code).toBe(code);
  });
});

describe('analyze options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ambientctl-analyze-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('honours --root-namespace: a selector there may match workloads in any namespace', async () => {
    writeFileSync(join(dir, 'mesh.yaml'), readFileSync(join(CASES, 'ANALYZE_POLICY_NO_IMPACT', 'workloads.yaml'), 'utf8') + '---\n' + readFileSync(join(CASES, 'ANALYZE_POLICY_NO_IMPACT', 'namespace.yaml'), 'utf8'));
    writeFileSync(join(dir, 'policy.yaml'), 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: all-echo, namespace: mesh-root}\nspec:\n  selector: {matchLabels: {app: echo}}\n  action: DENY\n  rules: [{}]\n');
    expect((await run(['analyze', '.'], {}, dir)).out).toMatch(/the policy has no impact: its selector app=echo matches no workload in namespace mesh-root/);
    expect((await run(['analyze', '.', '--root-namespace', 'mesh-root'], {}, dir)).out).toBe('✔ No validation issues found when analyzing .\n');
  });

  it('lists every code with its level and what to check', async () => {
    const r = await run(['analyze', '--list-codes']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^CODE +LEVEL +WHAT TO CHECK$/);
    for (const c of allCodes()) expect(r.out).toMatch(new RegExp(`^${c.code} +${c.level} +\\S`, 'm'));
  });

  it.each([
    [['analyze'], 'name a config directory or files to analyze'],
    [['analyze', 'nope'], 'analyze nope: no such file or directory'],
    [['analyze', '.', '--failure-threshold', 'Fatal'], '--failure-threshold must be one of Info, Warning, Error, not "Fatal"'],
    [['analyze', '.', '-o', 'table'], '-o must be one of short, json, yaml, not "table"'],
  ])('exits 2 for %j', async (argv, message) => {
    const r = await run(argv, {}, dir);
    expect(r).toEqual({ code: 2, out: '', err: `ambientctl: ${message} (see 'ambientctl --help')\n` });
  });

  it('exits 2 for a directory without YAML', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const r = await run(['analyze', empty]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no *.yaml or *.yml files to analyze');
  });

  it('documents its flags in --help', async () => {
    const r = await run(['analyze', '--help']);
    for (const flag of ['--output <FORMAT>', '--failure-threshold <LEVEL>', '--root-namespace <NS>', '--list-codes']) expect(r.out).toContain(flag);
  });
});
