// Bad input: every rejected object is named with file, line, object and field; the rest is still translated.
import { describe, expect, it } from 'vitest';
import { formatProblem, MeshConfig, PROBLEM_CODES, type ConfigFile, type ConfigProblem } from '../src/index.js';
import { quickstartFiles, withFile } from './fixtures.js';

const ECHO_UID = 'Kubernetes/networking.istio.io/WorkloadEntry/default/echo';
const SLEEP_UID = 'Kubernetes/networking.istio.io/WorkloadEntry/default/sleep';

function withExtra(path: string, text: string): ConfigFile[] {
  return withFile(quickstartFiles(), path, text);
}

/** Translates the quickstart plus one bad file; the quickstart must come through whole. */
function problemsOf(text: string, path = 'z/bad.yaml'): ConfigProblem[] {
  const t = new MeshConfig().update(withExtra(path, text));
  expect([...t.addresses.keys()]).toEqual(expect.arrayContaining([ECHO_UID, SLEEP_UID, 'default/echo.default.mesh']));
  expect(t.authorizations.has('default/echo-allow-sleep')).toBe(true);
  return [...t.problems];
}

const we = (name: string, spec: string, extra = '') => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: ${name}
  namespace: default${extra}
spec:
${spec}`;

describe('rejected input', () => {
  it('malformed YAML names the file and line, and the file\'s other documents still count', () => {
    const text = `${we('good', '  address: 127.0.30.1\n')}---\napiVersion: v1\nkind: Namespace\nmetadata: { name: [broken\n`;
    const t = new MeshConfig().update(withExtra('bad.yaml', text));
    expect(t.problems).toEqual([{
      code: 'CONFIG_ERR_YAML', file: 'bad.yaml', line: 12,
      message: 'Flow sequence in block collection must be sufficiently indented and end with a ] (in the document starting at line 8)',
    }]);
    expect(t.addresses.has('Kubernetes/networking.istio.io/WorkloadEntry/default/good')).toBe(true);
  });

  it.each([
    ['an unknown kind in a known group', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: x }\n', 'CONFIG_ERR_UNKNOWN_KIND', 'kind', /networking\.istio\.io\/v1 VirtualService is not a kind ambientd reads/],
    ['a kind of another group', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\n', 'CONFIG_ERR_UNKNOWN_KIND', 'kind', /apps\/v1 Deployment/],
    ['an unknown apiVersion of a known kind', we('x', '  address: 127.0.30.1\n').replace('/v1', '/v2'), 'CONFIG_ERR_UNKNOWN_API_VERSION', 'apiVersion', /WorkloadEntry is not served at "networking\.istio\.io\/v2"; use networking\.istio\.io\/v1/],
    ['a missing address', we('x', '  serviceAccount: x\n'), 'CONFIG_ERR_MISSING_FIELD', 'spec.address', /is required/],
    ['a missing spec', 'apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: { name: x }\n', 'CONFIG_ERR_MISSING_FIELD', 'spec', /is required/],
    ['a missing name', 'apiVersion: v1\nkind: Namespace\nmetadata: { labels: { a: b } }\n', 'CONFIG_ERR_MISSING_FIELD', 'metadata.name', /is required/],
    ['a bad IP', we('x', '  address: 127.0.0.256\n'), 'CONFIG_ERR_BAD_ADDRESS', 'spec.address', /"127\.0\.0\.256" is not an IP address/],
    ['a CIDR as a workload address', we('x', '  address: 127.0.0.0/8\n'), 'CONFIG_ERR_BAD_CIDR', 'spec.address', /a range is not allowed here/],
    ['a bad locality', we('x', '  address: 127.0.30.1\n  locality: a//b\n'), 'CONFIG_ERR_INVALID_FIELD', 'spec.locality', /not a locality/],
    ['an unknown field', we('x', '  address: 127.0.30.1\n  adress: 127.0.30.2\n'), 'CONFIG_ERR_INVALID_FIELD', 'spec.adress', /unknown field; expected one of address/],
    ['an unquoted number label', we('x', '  address: 127.0.30.1\n  labels: { version: 2 }\n'), 'CONFIG_ERR_INVALID_FIELD', 'spec.labels.version', /must be a string \(quote it: "2"\)/],
    ['a bad port in a workload', we('x', '  address: 127.0.30.1\n  ports: { http: 0 }\n'), 'CONFIG_ERR_BAD_PORT', 'spec.ports.http', /number 0 is not a port/],
  ])('%s', (_, text, code, field, message) => {
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code, file: 'z/bad.yaml', field });
    expect(problems[0]?.message).toMatch(message);
    expect(problems[0]?.object).toMatch(/ (default\/)?x$|\(unnamed/);
    expect(problems[0]?.line).toBeGreaterThan(0);
  });

  const se = (name: string, spec: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: default }
spec:
${spec}`;

  it.each([
    ['no hosts', '  ports: [{ number: 80 }]\n', 'CONFIG_ERR_MISSING_FIELD', 'spec.hosts'],
    ['no ports', '  hosts: [a.mesh]\n', 'CONFIG_ERR_MISSING_FIELD', 'spec.ports'],
    ['a port above 65535', '  hosts: [a.mesh]\n  ports: [{ number: 70000 }]\n', 'CONFIG_ERR_BAD_PORT', 'spec.ports[0].number'],
    ['a port given as a string', '  hosts: [a.mesh]\n  ports: [{ number: "80" }]\n', 'CONFIG_ERR_BAD_PORT', 'spec.ports[0].number'],
    ['a bad target port', '  hosts: [a.mesh]\n  ports: [{ number: 80, targetPort: -1 }]\n', 'CONFIG_ERR_BAD_PORT', 'spec.ports[0].targetPort'],
    ['a port listed twice', '  hosts: [a.mesh]\n  ports: [{ number: 80 }, { number: 80 }]\n', 'CONFIG_ERR_BAD_PORT', 'spec.ports[1].number'],
    ['a bad VIP CIDR', '  hosts: [a.mesh]\n  addresses: [127.96.1.0/33]\n  ports: [{ number: 80 }]\n', 'CONFIG_ERR_BAD_CIDR', 'spec.addresses[0]'],
    ['a bad VIP', '  hosts: [a.mesh]\n  addresses: [not-an-ip]\n  ports: [{ number: 80 }]\n', 'CONFIG_ERR_BAD_ADDRESS', 'spec.addresses[0]'],
    ['an unknown protocol', '  hosts: [a.mesh]\n  ports: [{ number: 80, protocol: QUIC }]\n', 'CONFIG_ERR_INVALID_FIELD', 'spec.ports[0].protocol'],
    ['an unknown resolution', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: DYNAMIC\n', 'CONFIG_ERR_INVALID_FIELD', 'spec.resolution'],
    ['DNS and a wildcard host to resolve', '  hosts: ["*.api.example"]\n  ports: [{ number: 443 }]\n  resolution: DNS\n', 'CONFIG_ERR_INVALID_FIELD', 'spec.hosts[0]'],
    ['DNS_ROUND_ROBIN and a wildcard host to resolve', '  hosts: [a.mesh, "*.b.mesh"]\n  ports: [{ number: 443 }]\n  resolution: DNS_ROUND_ROBIN\n', 'CONFIG_ERR_INVALID_FIELD', 'spec.hosts[1]'],
    ['DNS and a CIDR VIP', '  hosts: [a.mesh]\n  addresses: [127.96.1.0/24]\n  ports: [{ number: 80 }]\n  resolution: DNS\n', 'CONFIG_ERR_BAD_CIDR', 'spec.addresses[0]'],
    ['DNS_ROUND_ROBIN and two endpoints', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: DNS_ROUND_ROBIN\n  endpoints: [{ address: a1.example.test }, { address: a2.example.test }]\n', 'CONFIG_ERR_INVALID_FIELD', 'spec.endpoints'],
    ['DNS and an empty endpoint address', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: DNS\n  endpoints: [{ address: "" }]\n', 'CONFIG_ERR_MISSING_FIELD', 'spec.endpoints[0].address'],
    ['DNS and a wildcard endpoint', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: DNS\n  endpoints: [{ address: "*.example.test" }]\n', 'CONFIG_ERR_BAD_ADDRESS', 'spec.endpoints[0].address'],
    ['DNS and an endpoint with a bad label', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: DNS\n  endpoints: [{ address: "api-.example.test" }]\n', 'CONFIG_ERR_BAD_ADDRESS', 'spec.endpoints[0].address'],
    ['DNS and an endpoint that is a bad IP', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: DNS\n  endpoints: [{ address: 127.0.31.300 }]\n', 'CONFIG_ERR_BAD_ADDRESS', 'spec.endpoints[0].address'],
    ['DNS and an endpoint with a numeric top label', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: DNS\n  endpoints: [{ address: api.example.42 }]\n', 'CONFIG_ERR_BAD_ADDRESS', 'spec.endpoints[0].address'],
    ['STATIC and a hostname endpoint', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: STATIC\n  endpoints: [{ address: api.example.test }]\n', 'CONFIG_ERR_BAD_ADDRESS', 'spec.endpoints[0].address'],
    ['selector and endpoints', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  workloadSelector: { labels: { app: a } }\n  endpoints: [{ address: 127.0.31.1 }]\n', 'CONFIG_ERR_INVALID_FIELD', 'spec.workloadSelector'],
    ['an endpoint with a bad address', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  endpoints: [{ address: 127.0.31.300 }]\n', 'CONFIG_ERR_BAD_ADDRESS', 'spec.endpoints[0].address'],
  ])('ServiceEntry with %s', (_, spec, code, field) => {
    const problems = problemsOf(se('x', spec));
    expect(problems.map((p) => [p.code, p.object, p.field])).toEqual([[code, 'ServiceEntry default/x', field]]);
  });

  it.each([
    ['a wildcard host', '  hosts: ["*.api.example"]\n  ports: [{ number: 443 }]\n  resolution: DNS\n',
      'spec.hosts[0]: "*.api.example" is a wildcard, which names no single host to resolve: with resolution DNS and no endpoints each host is resolved by DNS, so it must be a full DNS name (give endpoints, or use resolution NONE)'],
    ['a hostname endpoint under STATIC', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: STATIC\n  endpoints: [{ address: api.example.test }]\n',
      'spec.endpoints[0].address: "api.example.test" is a hostname, not an IP address: only a ServiceEntry with resolution DNS or DNS_ROUND_ROBIN may name its endpoints by DNS'],
    ['a wildcard endpoint under DNS', '  hosts: [a.mesh]\n  ports: [{ number: 80 }]\n  resolution: DNS\n  endpoints: [{ address: "*.example.test" }]\n',
      'spec.endpoints[0].address: "*.example.test" is a wildcard, which names no single host to resolve; an endpoint of a DNS ServiceEntry must be an IP address or a DNS name'],
  ])('a DNS ServiceEntry problem says what to change: %s', (_, spec, message) => {
    const [problem] = problemsOf(se('x', spec));
    expect(`${problem?.field}: ${problem?.message}`).toBe(message);
  });

  it('a WorkloadEntry address must still be an IP, whatever a ServiceEntry may do', () => {
    const text = 'apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: { name: w, namespace: default }\nspec: { address: api.example.test }\n';
    expect(problemsOf(text).map((p) => [p.code, p.field, p.message])).toEqual([['CONFIG_ERR_BAD_ADDRESS', 'spec.address', '"api.example.test" is not an IP address']]);
  });

  it('a policy with a bad CIDR is rejected by l4-authz and located', () => {
    const text = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: bad-cidr, namespace: default }
spec:
  rules:
    - from:
        - source:
            ipBlocks: [127.0.0.0/33]
`;
    const problems = problemsOf(text);
    expect(problems).toEqual([{
      code: 'CONFIG_ERR_BAD_CIDR', file: 'z/bad.yaml', line: 8, object: 'AuthorizationPolicy default/bad-cidr',
      field: 'spec.rules[0].from[0].source.ipBlocks[0]', message: 'bad CIDR range "127.0.0.0/33"',
    }]);
    expect(formatProblem(problems[0] as ConfigProblem)).toBe('z/bad.yaml:8: AuthorizationPolicy default/bad-cidr: spec.rules[0].from[0].source.ipBlocks[0]: bad CIDR range "127.0.0.0/33"');
  });

  it('a policy with an unknown action is a policy problem', () => {
    const text = 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { action: PERMIT }\n';
    expect(problemsOf(text).map((p) => [p.code, p.object, p.field])).toEqual([['CONFIG_ERR_POLICY', 'AuthorizationPolicy default/p', 'spec.action']]);
  });

  it('two workloads claiming one address are both named; the first in file order is served', () => {
    const t = new MeshConfig().update(withExtra('z-dup.yaml', we('impostor', '  address: 127.0.20.1\n')));
    expect(t.problems).toEqual([{
      code: 'CONFIG_ERR_ADDRESS_CONFLICT', file: 'z-dup.yaml', line: 7, object: 'WorkloadEntry default/impostor', field: 'spec.address',
      message: 'address 127.0.20.1 is already claimed by WorkloadEntry default/echo (quickstart/workloads.yaml:14)',
    }]);
    expect(t.addresses.has(ECHO_UID)).toBe(true);
    expect(t.addresses.has('Kubernetes/networking.istio.io/WorkloadEntry/default/impostor')).toBe(false);
  });

  it('one address on two networks is no conflict', () => {
    const t = new MeshConfig().update(withExtra('net.yaml', we('remote', '  address: 127.0.20.1\n  network: east\n')));
    expect(t.problems).toEqual([]);
    expect(t.addresses.has('Kubernetes/networking.istio.io/WorkloadEntry/default/remote')).toBe(true);
  });

  it('a ServiceEntry VIP that collides with another\'s is rejected naming both', () => {
    const problems = problemsOf(se('other', '  hosts: [other.default.mesh]\n  addresses: [127.96.0.10]\n  ports: [{ number: 80 }]\n'));
    expect(problems).toEqual([{
      code: 'CONFIG_ERR_VIP_CONFLICT', file: 'z/bad.yaml', line: 6, object: 'ServiceEntry default/other', field: 'spec.addresses[0]',
      message: 'VIP 127.96.0.10 is already claimed by ServiceEntry default/echo (quickstart/services.yaml:2)',
    }]);
  });

  it('a host claimed twice in one namespace is rejected', () => {
    const problems = problemsOf(se('echo2', '  hosts: [echo.default.mesh]\n  ports: [{ number: 80 }]\n'));
    expect(problems.map((p) => [p.code, p.object, p.field])).toEqual([['CONFIG_ERR_HOST_CONFLICT', 'ServiceEntry default/echo2', 'spec.hosts[0]']]);
  });

  it('the same object defined twice: the second is rejected', () => {
    const problems = problemsOf(we('sleep', '  address: 127.0.30.1\n'));
    expect(problems).toEqual([{
      code: 'CONFIG_ERR_DUPLICATE', file: 'z/bad.yaml', line: 1, object: 'WorkloadEntry default/sleep', field: 'metadata.name',
      message: 'also defined at quickstart/workloads.yaml:2, which is served',
    }]);
  });

  it('never throws, whatever the text', () => {
    const texts = ['', '---\n---\n', '42', '[1, 2]', 'a: *undefined', '\u0000\u0001binary', 'kind: [', 'apiVersion: v1\nkind: Namespace\nmetadata: 7',
      'apiVersion: 1\nkind: 2', 'a: &a [*a]', '{ "json": true }', 'apiVersion: v1\nkind: Namespace\nmetadata: { name: Bad_Name }\n'];
    const m = new MeshConfig();
    for (const text of texts) {
      const t = m.update(withExtra('junk.yaml', text));
      expect(t.addresses.size).toBe(3);
      for (const p of t.problems) {
        expect(Object.keys(PROBLEM_CODES)).toContain(p.code);
        expect(p.file).toBe('junk.yaml');
        expect(p.message.length).toBeGreaterThan(5);
      }
    }
  });
});
