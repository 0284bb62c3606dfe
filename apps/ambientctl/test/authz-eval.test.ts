// `ambientctl authz eval` offline: golden text and JSON against the quickstart's policies, a table of allow/deny
// cases (DENY policies, PeerAuthentication STRICT, dry-run, root namespace), and one sentence with exit 2 for bad input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './support/run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const QUICKSTART = 'examples/quickstart/mesh';
const SLEEP = ['--src-ip', '127.1.1.1', '--src-identity', 'spiffe://cluster.local/ns/default/sa/sleep'];
const CURL = ['--src-ip', '127.1.1.2', '--src-identity', 'spiffe://cluster.local/ns/guest/sa/curl'];
const TO_ECHO = ['--dst-namespace', 'default', '--dst-labels', 'app=echo,version=v1', '--dst-ip', '127.1.2.1', '--dst-port', '8080'];

const evalIn = (cwd: string, ...args: string[]) => run(['authz', 'eval', ...args], {}, cwd);
const quickstart = (...args: string[]) => evalIn(ROOT, '-f', QUICKSTART, ...args);

describe('authz eval against the quickstart (golden)', () => {
  it('allows default/sleep to echo, naming the policy, its file and rule', async () => {
    const r = await quickstart(...TO_ECHO, ...SLEEP);
    expect(r).toEqual({
      code: 0,
      err: '',
      out: [
        'ALLOW',
        'policy: default/echo-allow-sleep rule 0 (examples/quickstart/mesh/policies.yaml:3)',
        'reason: allowed by: default/echo-allow-sleep',
        'connection: 127.1.1.1 (spiffe://cluster.local/ns/default/sa/sleep) -> 127.1.2.1:8080',
        'destination: namespace default, labels app=echo,version=v1; selected by default/echo-allow-sleep',
        '',
        'POLICY                       ACTION     SCOPE                RESULT',
        'default/echo-allow-sleep     ALLOW      WorkloadSelector     matched rule 0',
        '',
      ].join('\n'),
    });
  });

  it('denies guest/curl with exit 1 and says which field failed', async () => {
    const r = await quickstart(...TO_ECHO, ...CURL);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      [
        'DENY',
        'policy: none (no policy matched; the default decided)',
        'reason: allow policies exist, but none allowed',
        'connection: 127.1.1.2 (spiffe://cluster.local/ns/guest/sa/curl) -> 127.1.2.1:8080',
        'destination: namespace default, labels app=echo,version=v1; selected by default/echo-allow-sleep',
        '',
        'POLICY                       ACTION     SCOPE                RESULT',
        'default/echo-allow-sleep     ALLOW      WorkloadSelector     rule 0 clause 0: source principal "cluster.local/ns/guest/sa/curl" not in ["cluster.local/ns/default/sa/sleep"]',
        '',
      ].join('\n'),
    );
  });

  it('prints the same decision as stable JSON with -o json', async () => {
    const r = await quickstart(...TO_ECHO, ...CURL, '-o', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      decision: 'DENY',
      policy: null,
      rule: null,
      source: null,
      reason: 'allow policies exist, but none allowed',
      connection: { srcIp: '127.1.1.2', srcIdentity: 'spiffe://cluster.local/ns/guest/sa/curl', dstIp: '127.1.2.1', dstPort: 8080 },
      destination: { namespace: 'default', labels: { app: 'echo', version: 'v1' }, selectedBy: ['default/echo-allow-sleep'] },
      policies: [
        {
          policy: 'default/echo-allow-sleep', action: 'ALLOW', scope: 'WorkloadSelector', dryRun: false, matched: false,
          detail: 'rule 0 clause 0: source principal "cluster.local/ns/guest/sa/curl" not in ["cluster.local/ns/default/sa/sleep"]',
          source: 'examples/quickstart/mesh/policies.yaml:3',
        },
      ],
      dryRun: [],
      missingPolicies: [],
      notices: [],
    });
    expect(r.out.startsWith('{\n  "decision": "DENY",\n  "policy": null,\n')).toBe(true);
  });

  it('prints YAML with -o yaml', async () => {
    const r = await quickstart(...TO_ECHO, ...SLEEP, '-o', 'yaml');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^decision: ALLOW\npolicy: default\/echo-allow-sleep\nrule: 0\nsource: examples\/quickstart\/mesh\/policies.yaml:3\n/);
  });
});

describe('authz eval decisions (quickstart policies plus extra YAML)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ambientctl-authz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const strict = file('strict.yaml', 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: istio-system\nspec:\n  mtls:\n    mode: STRICT\n');
  const denyPort = file('deny-port.yaml', [
    'apiVersion: security.istio.io/v1', 'kind: AuthorizationPolicy', 'metadata:', '  name: deny-admin', '  namespace: default', 'spec:',
    '  action: DENY', '  rules:', '    - to:', '        - operation:', '            ports: ["9090"]', '',
  ].join('\n'));
  const dryRun = file('dry-run.yaml', [
    'apiVersion: security.istio.io/v1', 'kind: AuthorizationPolicy', 'metadata:', '  name: would-deny-all', '  namespace: default',
    '  annotations:', '    istio.io/dry-run: "true"', 'spec:', '  action: DENY', '  rules:', '    - {}', '',
  ].join('\n'));
  const globalDeny = file('global.yaml', [
    'apiVersion: security.istio.io/v1', 'kind: AuthorizationPolicy', 'metadata:', '  name: deny-guest', '  namespace: mesh-root', 'spec:',
    '  action: DENY', '  rules:', '    - from:', '        - source:', '            namespaces: ["guest"]', '',
  ].join('\n'));

  const cases: [string, string[], 'ALLOW' | 'DENY', RegExp][] = [
    ['sleep → echo', [...TO_ECHO, ...SLEEP], 'ALLOW', /^policy: default\/echo-allow-sleep rule 0/m],
    ['curl → echo', [...TO_ECHO, ...CURL], 'DENY', /^reason: allow policies exist, but none allowed$/m],
    ['plaintext → echo', [...TO_ECHO, '--src-ip', '127.1.1.1'], 'DENY', /source principal \(no identity: plaintext\) not in/],
    ['sleep → echo on another port (the policy has no port)', [...TO_ECHO.slice(0, 6), '--dst-port', '9999', ...SLEEP], 'ALLOW', /^policy: default\/echo-allow-sleep/m],
    ['curl → sleep (no policy selects sleep)', ['--dst-namespace', 'default', '--dst-labels', 'app=sleep', '--dst-ip', '127.1.1.1', '--dst-port', '80', ...CURL], 'ALLOW', /^reason: no allow policies apply: allowed by default$/m],
    ['curl → echo without labels (selector does not match)', ['--dst-namespace', 'default', '--dst-ip', '127.1.2.1', '--dst-port', '8080', ...CURL], 'ALLOW', /^no policies apply to this destination$/m],
    ['sleep → echo with a root namespace DENY of guest', ['-f', globalDeny, '--root-namespace', 'mesh-root', ...TO_ECHO, ...SLEEP], 'ALLOW', /mesh-root\/deny-guest +DENY +Global/],
    ['curl → echo with a root namespace DENY of guest', ['-f', globalDeny, '--root-namespace', 'mesh-root', ...TO_ECHO, ...CURL], 'DENY', /^reason: explicitly denied by: mesh-root\/deny-guest$/m],
    ['global DENY outside the root namespace is a Namespace policy', ['-f', globalDeny, ...TO_ECHO, ...CURL], 'DENY', /^reason: allow policies exist, but none allowed$/m],
    ['a namespace DENY on port 9090', ['-f', denyPort, ...TO_ECHO.slice(0, 6), '--dst-port', '9090', ...SLEEP], 'DENY', /^policy: default\/deny-admin rule 0 \(.*deny-port\.yaml:1\)$/m],
    ['STRICT mTLS denies plaintext', ['-f', strict, ...TO_ECHO.slice(0, 4), '--dst-ip', '127.1.2.1', '--dst-port', '8080', '--src-ip', '127.1.1.1'], 'DENY', /^reason: explicitly denied by: istio-system\/istio_converted_static_strict$/m],
    ['STRICT mTLS allows a verified identity', ['-f', strict, ...TO_ECHO, ...SLEEP], 'ALLOW', /istio-system\/istio_converted_static_strict +DENY +WorkloadSelector/],
    ['a dry-run DENY is reported, not enforced', ['-f', dryRun, ...TO_ECHO, ...SLEEP], 'ALLOW', /^dry-run: default\/would-deny-all rule 0 matched; enforced, it would deny$/m],
  ];
  it.each(cases)('%s', async (_, args, verdict, detail) => {
    const r = await quickstart(...args);
    expect(r.err).toBe('');
    expect(r.out.split('\n')[0]).toBe(verdict);
    expect(r.code).toBe(verdict === 'ALLOW' ? 0 : 1);
    expect(r.out).toMatch(detail);
  });

  it('reads -f repeatedly and names what ztunnel will not enforce', async () => {
    file('http.yaml', [
      'apiVersion: security.istio.io/v1', 'kind: AuthorizationPolicy', 'metadata:', '  name: get-only', '  namespace: default', 'spec:',
      '  action: ALLOW', '  rules:', '    - to:', '        - operation:', '            methods: ["GET"]', '',
    ].join('\n'));
    const r = await evalIn(dir, '-f', 'http.yaml', '-f', 'strict.yaml', ...TO_ECHO, ...SLEEP);
    expect(r.out).toMatch(/^notice: http\.yaml:1: AuthorizationPolicy default\/get-only: .+/m);
    expect(r.out.split('\n')[0]).toBe('DENY');
  });
});

describe('authz eval refuses bad input with one sentence and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ambientctl-authz-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x, namespace: default}\nspec:\n  action: AUDIT_ALL\n');
  writeFileSync(join(dir, 'syntax.yaml'), 'kind: [unclosed\n');
  const base = ['-f', QUICKSTART, ...TO_ECHO, ...SLEEP];
  const replace = (flag: string, value: string): string[] => base.map((v, i) => (base[i - 1] === flag ? value : v));
  const without = (flag: string): string[] => base.filter((v, i) => v !== flag && base[i - 1] !== flag);

  it.each([
    ['a bad destination IP', replace('--dst-ip', '127.1.2'), '--dst-ip "127.1.2" is not an IPv4 or IPv6 address'],
    ['a bad source IP', replace('--src-ip', 'localhost'), '--src-ip "localhost" is not an IPv4 or IPv6 address'],
    ['a bad port', replace('--dst-port', '0'), '--dst-port "0" is not a port from 1 to 65535'],
    ['a port that is not a number', replace('--dst-port', 'http'), '--dst-port "http" is not a port from 1 to 65535'],
    ['an identity that is not SPIFFE', replace('--src-identity', 'cluster.local/ns/default/sa/sleep'), "--src-identity: invalid SPIFFE ID 'cluster.local/ns/default/sa/sleep'"],
    ['an identity that is not Istio-shaped', replace('--src-identity', 'spiffe://cluster.local/workload'), "an Istio identity has the path '/ns/<namespace>/sa/<service-account>'"],
    ['bad labels', replace('--dst-labels', 'app'), '--dst-labels "app" is not key=value'],
    ['a repeated label', replace('--dst-labels', 'a=1,a=2'), '--dst-labels sets "a" twice'],
    ['a bad namespace', replace('--dst-namespace', 'Default'), '--dst-namespace "Default" is not a namespace name'],
    ['a missing namespace', without('--dst-namespace'), '--dst-namespace is required with -f'],
    ['a missing destination IP', without('--dst-ip'), '--dst-ip is required'],
    ['a missing source IP', without('--src-ip'), '--src-ip is required'],
    ['a missing port', without('--dst-port'), '--dst-port is required'],
    ['no policy source', without('-f'), 'name the policies with exactly one of -f FILE|DIR, --node NAME or --admin HOST:PORT'],
    ['two policy sources', [...base, '--admin', '127.0.0.1:15000'], 'name the policies with exactly one of'],
    ['a missing file', replace('-f', 'nope.yaml'), '-f nope.yaml: no such file or directory'],
    ['a directory without YAML', replace('-f', 'apps/ambientctl/src'), '-f apps/ambientctl/src: no *.yaml or *.yml files to read policies from'],
    ['an invalid policy', replace('-f', join(dir, 'broken.yaml')), 'broken.yaml:5: AuthorizationPolicy default/x: spec.action: "AUDIT_ALL" is not one of ALLOW, DENY, AUDIT, CUSTOM'],
    ['YAML that does not parse', replace('-f', join(dir, 'syntax.yaml')), 'syntax.yaml:'],
    ['a bad output format', [...base, '-o', 'wide'], '-o must be one of short, json, yaml, not "wide"'],
  ])('%s', async (_, args, message) => {
    const r = await evalIn(ROOT, ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(message);
    expect(r.err).toMatch(/^ambientctl: [^\n]+\n$/);
  });

  it('asks for a subcommand', async () => {
    expect(await run(['authz'])).toEqual({ code: 2, out: '', err: "ambientctl: 'authz' needs a subcommand: eval (see 'ambientctl --help')\n" });
  });

  it('documents every flag in --help', async () => {
    const r = await run(['authz', 'eval', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--file <PATH>', '--node <NAME>', '--admin <HOST:PORT>', '--dst-namespace <NS>', '--dst-labels', '--dst-ip <IP>', '--dst-port <N>', '--src-ip <IP>', '--src-identity <SPIFFE_ID>', '--root-namespace <NS>', '--output <FORMAT>']) {
      expect(r.out).toContain(flag);
    }
  });
});
