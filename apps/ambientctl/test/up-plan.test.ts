// Planning `up` without starting anything: the example file, node and address assignment, and every refusal of bad
// input (missing directory, bad YAML named by file, unknown workloads), also with --netns.
import { mkdtemp, mkdir, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MeshConfig } from '@ambient/mesh-config';
import { describe, expect, it } from 'vitest';
import { parseExample } from '../src/up/example.js';
import { loadExample } from '../src/up/load.js';
import { planMesh, plannedListeners } from '../src/up/plan.js';
import { suggestions } from '../src/up/suggestions.js';
import { run } from './support/run-cli.js';

const QUICKSTART = fileURLToPath(new URL('../../../examples/quickstart', import.meta.url));

const WORKLOAD = (name: string, ns: string, address: string, node?: string): string => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ${name}, namespace: ${ns} }
spec:
  address: ${address}
  serviceAccount: ${name}
  labels: { app: ${name}${node ? `, ambient.dev/node: ${node}` : ''} }
`;

const plan = (yaml: string, example = { apps: [] }) => planMesh(new MeshConfig().update([{ path: 'mesh/w.yaml', text: yaml }]), example, 'example.yaml');

describe('the quickstart example', () => {
  it('plans ambientd, two ztunnels in node order, three workloads and the echo app on fixed loopback addresses', async () => {
    const p = await loadExample(QUICKSTART);
    expect(p.ambientd).toEqual({ grpc: '127.1.0.254:15012', debug: '127.1.0.254:15014' });
    expect(p.ztunnels).toEqual([
      { node: 'node-a', admin: '127.1.0.1:15000', metrics: '127.1.0.1:15020', readiness: '127.1.0.1:15021' },
      { node: 'node-b', admin: '127.1.0.2:15000', metrics: '127.1.0.2:15020', readiness: '127.1.0.2:15021' },
    ]);
    expect(p.workloads.map((w) => [`${w.namespace}/${w.name}`, w.address, w.node, w.serviceAccount])).toEqual([
      ['default/echo', '127.1.2.1', 'node-b', 'echo'],
      ['default/sleep', '127.1.1.1', 'node-a', 'sleep'],
      ['guest/curl', '127.1.1.2', 'node-a', 'curl'],
    ]);
    expect(p.workloads[0]?.authorizationPolicies).toEqual(['default/echo-allow-sleep']);
    expect(p.apps).toEqual([{ workload: 'default/echo', kind: 'http-echo', port: 8080, listen: '127.1.2.1:8080' }]);
    expect(p.policies.map((x) => x.key)).toEqual(['default/echo-allow-sleep']);
    expect(p.walkthrough).toEqual({ allowed: { from: 'default/sleep', url: 'http://echo.default.mesh/' }, denied: { from: 'guest/curl', url: 'http://echo.default.mesh/' } });
    expect(plannedListeners(p)).toHaveLength(2 + 2 * 3 + 3 * 3 + 1);
  });

  it('suggests only the commands this build has', async () => {
    const p = await loadExample(QUICKSTART);
    expect(suggestions(p, ['up', 'exec'], 'examples/quickstart')).toEqual([
      'npx ambientctl exec default/sleep -- curl -s http://echo.default.mesh/   # allowed',
      'npx ambientctl exec guest/curl -- curl -s http://echo.default.mesh/   # denied',
      "tail -f .ambient/logs/*.log   # every component's log",
    ]);
    expect(suggestions(p, ['proxy-status', 'analyze'], 'ex')).toContain('npx ambientctl analyze ex/mesh');
  });
});

describe('planning refusals', () => {
  it('skips workloads without a node and refuses a config that names none', () => {
    expect(() => plan(WORKLOAD('a', 'default', '127.1.9.1'))).toThrow('no WorkloadEntry names a node (label ambient.dev/node)');
    expect(plan(WORKLOAD('a', 'default', '127.1.9.1') + '---\n' + WORKLOAD('b', 'default', '127.1.9.2', 'n1')).workloads.map((w) => w.name)).toEqual(['b']);
  });

  it('names the file and line of a config problem', () => {
    expect(() => plan(WORKLOAD('a', 'default', '127.1.9.300', 'n1'))).toThrow(/the mesh config has 1 problem\(s\): mesh\/w\.yaml:\d+: WorkloadEntry default\/a: spec\.address: .*127\.1\.9\.300/);
  });

  it('refuses an app or walk-through step on a workload that is not on a node', () => {
    const yaml = WORKLOAD('a', 'default', '127.1.9.1', 'n1');
    expect(() => plan(yaml, { apps: [{ workload: 'default/b', kind: 'http-echo', port: 80 }] } as never)).toThrow(
      'example.yaml: apps[0] names default/b, which is not a workload on a node (known: default/a)',
    );
    const walkthrough = { allowed: { from: 'default/a', url: 'http://x/' }, denied: { from: 'x/y', url: 'http://x/' } };
    expect(() => plan(yaml, { apps: [], walkthrough } as never)).toThrow('walkthrough.denied.from names x/y');
  });
});

describe('example.yaml', () => {
  it('accepts an empty file and the quickstart shape', () => {
    expect(parseExample('', 'e.yaml')).toEqual({ apps: [] });
    expect(parseExample('apps:\n  - { workload: a/b, kind: http-echo, port: 80 }\n', 'e.yaml')).toEqual({ apps: [{ workload: 'a/b', kind: 'http-echo', port: 80 }] });
  });

  it.each([
    ['apps: [', /^e\.yaml: not valid YAML: /],
    ['- 1', 'e.yaml: expected a mapping with "apps" and "walkthrough"'],
    ['extra: 1', 'e.yaml: unknown field "extra" (expected apps, walkthrough)'],
    ['apps: 3', 'e.yaml: "apps" must be a list'],
    ['apps: [3]', 'e.yaml: apps[0] must be a mapping with workload, kind and port'],
    ['apps: [{ workload: nope, kind: http-echo, port: 1 }]', 'e.yaml: apps[0].workload must be NAMESPACE/NAME, got "nope"'],
    ['apps: [{ workload: a/b, kind: nginx, port: 1 }]', 'e.yaml: apps[0].kind must be one of http-echo, got "nginx"'],
    ['apps: [{ workload: a/b, kind: http-echo, port: 70000 }]', 'e.yaml: apps[0].port must be a number from 1 to 65535, got 70000'],
    ['walkthrough: 1', 'e.yaml: "walkthrough" must be a mapping with "allowed" and "denied"'],
    ['walkthrough: { allowed: { from: a/b, url: "http://x/" } }', 'e.yaml: walkthrough.denied must be a mapping with "from" and "url"'],
    ['walkthrough: { allowed: { from: a/b, url: "ftp://x/" }, denied: { from: a/b, url: "http://x/" } }', 'e.yaml: walkthrough.allowed.url must be an http:// URL with a path, got "ftp://x/"'],
  ])('refuses %j', (text, message) => {
    expect(() => parseExample(text, 'e.yaml')).toThrow(message);
  });
});

describe('ambientctl up on bad input (nothing is started)', () => {
  it('names a directory that does not exist', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ambientctl-up-'));
    const r = await run(['up', 'no/such/dir'], {}, cwd);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ambientctl: ${join(cwd, 'no/such/dir')} does not exist; give up an example directory such as examples/quickstart\n`);
  });

  it('names a directory without mesh/', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ambientctl-up-'));
    const r = await run(['up', '.'], {}, cwd);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${cwd} has no mesh/ directory of YAML files`);
  });

  it('names the file with bad YAML', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ambientctl-up-'));
    await cp(QUICKSTART, join(cwd, 'ex'), { recursive: true });
    await writeFile(join(cwd, 'ex/mesh/broken.yaml'), 'kind: [unclosed\n');
    const r = await run(['up', 'ex'], {}, cwd);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^ambientctl: the mesh config has 1 problem\\(s\\): ${join(cwd, 'ex/mesh/broken.yaml')}:2: Flow sequence`));
    expect(r.out).toBe('');
  });

  it('names a bad example.yaml', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ambientctl-up-'));
    await mkdir(join(cwd, 'mesh'));
    await writeFile(join(cwd, 'mesh/w.yaml'), WORKLOAD('a', 'default', '127.1.9.1', 'n1'));
    await writeFile(join(cwd, 'example.yaml'), 'apps: 3\n');
    const r = await run(['up', '.'], {}, cwd);
    expect(r).toMatchObject({ code: 1, err: `ambientctl: ${join(cwd, 'example.yaml')}: "apps" must be a list\n` });
  });

  it('checks the example before it builds any namespace with --netns', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ambientctl-up-'));
    const r = await run(['up', 'missing', '--netns'], {}, cwd);
    expect(r.code).toBe(process.getuid?.() === 0 ? 1 : 2);
    expect(r.err).toMatch(process.getuid?.() === 0 ? /missing does not exist/ : /^ambientctl: --netns creates network namespaces and iptables rules, which needs root on Linux/);
  });
});
