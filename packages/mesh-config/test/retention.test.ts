// Across update() calls: a rejected object keeps its last good version, a removed file removes its objects, and an
// address stays with the object that held it.
import { describe, expect, it } from 'vitest';
import { MeshConfig, type ConfigFile } from '../src/index.js';
import { quickstartFiles, withFile } from './fixtures.js';

const ECHO_UID = 'Kubernetes/networking.istio.io/WorkloadEntry/default/echo';
const SLEEP_UID = 'Kubernetes/networking.istio.io/WorkloadEntry/default/sleep';
const WORKLOADS = 'quickstart/workloads.yaml';

function text(files: readonly ConfigFile[], path: string): string {
  const f = files.find((x) => x.path === path);
  if (f === undefined) throw new Error(`no ${path}`);
  return f.text;
}

function echoAddress(m: MeshConfig): number[] {
  const a = m.current().addresses.get(ECHO_UID);
  return a?.type.case === 'workload' ? Array.from(a.type.value.addresses[0] ?? []) : [];
}

describe('last good versions', () => {
  it('serves the last good version of an object that turns bad, until it is fixed', () => {
    const good = quickstartFiles();
    const m = new MeshConfig();
    m.update(good);
    const moved = withFile(good, WORKLOADS, text(good, WORKLOADS).replace('127.0.20.1', '127.0.20.2'));
    m.update(moved);
    expect(echoAddress(m)).toEqual([127, 0, 20, 2]);

    const broken = withFile(good, WORKLOADS, text(good, WORKLOADS).replace('127.0.20.1', '127.0.20.300'));
    const t = m.update(broken);
    expect(echoAddress(m)).toEqual([127, 0, 20, 2]);
    expect(t.problems).toEqual([{
      code: 'CONFIG_ERR_BAD_ADDRESS', file: WORKLOADS, line: 20, object: 'WorkloadEntry default/echo', field: 'spec.address',
      message: '"127.0.20.300" is not an IP address; the last good version (quickstart/workloads.yaml:14) is still served',
    }]);
    expect((t.configz as { retained: string[] }).retained).toEqual(['WorkloadEntry default/echo']);
    expect(m.update(broken).addresses.has(ECHO_UID)).toBe(true); // still there on the next update

    m.update(good);
    expect(echoAddress(m)).toEqual([127, 0, 20, 1]);
    expect(m.current().problems).toEqual([]);
  });

  it('a rejected object never served before is simply absent', () => {
    const files = withFile(quickstartFiles(), WORKLOADS, text(quickstartFiles(), WORKLOADS).replace('127.0.20.1', 'nope'));
    const t = new MeshConfig().update(files);
    expect(t.addresses.has(ECHO_UID)).toBe(false);
    expect(t.problems[0]?.message).toBe('"nope" is not an IP address');
  });

  it('removes the objects of a deleted file', () => {
    const m = new MeshConfig();
    m.update(quickstartFiles());
    const t = m.update(quickstartFiles().filter((f) => f.path !== WORKLOADS));
    expect([...t.addresses.keys()]).toEqual(['default/echo.default.mesh']);
    expect(m.hasWorkloadOnNode('spiffe://cluster.local/ns/default/sa/sleep', 'node-a')).toBe(false);
  });

  it('keeps the objects of a file that no longer parses, and drops them when the file goes', () => {
    const m = new MeshConfig();
    m.update(quickstartFiles());
    const t = m.update(withFile(quickstartFiles(), WORKLOADS, `${text(quickstartFiles(), WORKLOADS)}\n  : [`));
    expect(t.problems.map((p) => p.code)).toEqual(['CONFIG_ERR_YAML']);
    expect(t.addresses.has(ECHO_UID)).toBe(true);
    expect(t.addresses.has(SLEEP_UID)).toBe(true);
    expect(m.hasWorkloadOnNode('spiffe://cluster.local/ns/default/sa/sleep', 'node-a')).toBe(true);
    // Only the echo document breaks: sleep's new version is served, echo's last good version stays.
    const edited = text(quickstartFiles(), WORKLOADS).replace('127.0.10.1', '127.0.10.2').replace('kind: WorkloadEntry\nmetadata:\n  name: echo', 'kind: WorkloadEntry\nmetadata:\n  name: [echo');
    const t2 = m.update(withFile(quickstartFiles(), WORKLOADS, edited));
    expect(t2.problems.map((p) => [p.code, p.file])).toEqual([['CONFIG_ERR_YAML', WORKLOADS]]);
    expect(t2.addresses.has(ECHO_UID)).toBe(true);
    const sleep = t2.addresses.get(SLEEP_UID);
    expect(sleep?.type.case === 'workload' && Array.from(sleep.type.value.addresses[0] ?? [])).toEqual([127, 0, 10, 2]);
    expect(m.update(quickstartFiles().filter((f) => f.path !== WORKLOADS)).addresses.has(ECHO_UID)).toBe(false);
  });

  it('keeps the last good version of a policy that turns bad, and workloads keep naming it', () => {
    const POLICIES = 'quickstart/policies.yaml';
    const m = new MeshConfig();
    m.update(quickstartFiles());
    const bad = text(quickstartFiles(), POLICIES).replace('principals:', 'ipBlocks: [127.0.0.0/40]\n            principals:');
    const t = m.update(withFile(quickstartFiles(), POLICIES, bad));
    expect(t.problems.map((p) => [p.code, p.object, p.field])).toEqual([['CONFIG_ERR_BAD_CIDR', 'AuthorizationPolicy default/echo-allow-sleep', 'spec.rules[0].from[0].source.ipBlocks[0]']]);
    expect(t.problems[0]?.message).toMatch(/the last good version \(quickstart\/policies.yaml:2\) is still served$/);
    const policy = t.authorizations.get('default/echo-allow-sleep');
    expect(policy?.groups[0]?.rules[0]?.matches[0]?.sourceIps).toEqual([]);
    const echo = t.addresses.get(ECHO_UID);
    expect(echo?.type.case === 'workload' && echo.type.value.authorizationPolicies).toEqual(['default/echo-allow-sleep']);
  });

  it('keeps the last good Namespace, so its workloads stay on HBONE while it is broken', () => {
    const m = new MeshConfig();
    m.update(quickstartFiles());
    const t = m.update(withFile(quickstartFiles(), 'quickstart/namespace.yaml', text(quickstartFiles(), 'quickstart/namespace.yaml').replace('istio.io/dataplane-mode: ambient', 'istio.io/dataplane-mode: 1\n    broken: 2')));
    expect(t.problems.map((p) => [p.code, p.object, p.field])).toEqual([['CONFIG_ERR_INVALID_FIELD', 'Namespace default', 'metadata.labels.istio.io/dataplane-mode'], ['CONFIG_ERR_INVALID_FIELD', 'Namespace default', 'metadata.labels.broken']]);
    const echo = t.addresses.get(ECHO_UID);
    expect(echo?.type.case === 'workload' && echo.type.value.tunnelProtocol).toBe(1);
  });

  it('a policy that is deleted is gone', () => {
    const m = new MeshConfig();
    m.update(quickstartFiles());
    expect(m.update(quickstartFiles().filter((f) => !f.path.endsWith('policies.yaml'))).authorizations.size).toBe(0);
  });
});

describe('claims across updates', () => {
  const we = (name: string, address: string) => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ${name}, namespace: default }
spec: { address: ${address} }
`;

  it('the workload that held an address keeps it when a newcomer earlier in file order claims it', () => {
    const m = new MeshConfig();
    m.update(quickstartFiles());
    const t = m.update([...quickstartFiles(), { path: 'a-first.yaml', text: we('newcomer', '127.0.20.1') }]);
    expect(t.problems.map((p) => [p.code, p.object])).toEqual([['CONFIG_ERR_ADDRESS_CONFLICT', 'WorkloadEntry default/newcomer']]);
    expect(t.addresses.has(ECHO_UID)).toBe(true);
  });

  it('an object that moves onto a taken address keeps its last good version', () => {
    const files = [...quickstartFiles(), { path: 'z.yaml', text: we('other', '127.0.30.1') }];
    const m = new MeshConfig();
    m.update(files);
    const t = m.update(withFile(files, 'z.yaml', we('other', '127.0.10.1')));
    expect(t.problems).toEqual([{
      code: 'CONFIG_ERR_ADDRESS_CONFLICT', file: 'z.yaml', line: 4, object: 'WorkloadEntry default/other', field: 'spec.address',
      message: 'address 127.0.10.1 is already claimed by WorkloadEntry default/sleep (quickstart/workloads.yaml:2); the last good version (z.yaml:1) is still served',
    }]);
    const other = t.addresses.get('Kubernetes/networking.istio.io/WorkloadEntry/default/other');
    expect(other?.type.case === 'workload' && Array.from(other.type.value.addresses[0] ?? [])).toEqual([127, 0, 30, 1]);
  });

  it('a VIP freed by one ServiceEntry can be taken by another in the same update', () => {
    const se = (name: string, vip: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: default }
spec: { hosts: [${name}.default.mesh], addresses: [${vip}], ports: [{ number: 80 }] }
`;
    const m = new MeshConfig();
    m.update([{ path: 'a.yaml', text: se('a', '127.96.1.1') }, { path: 'b.yaml', text: se('b', '127.96.1.2') }]);
    const t = m.update([{ path: 'a.yaml', text: se('a', '127.96.1.3') }, { path: 'b.yaml', text: se('b', '127.96.1.1') }]);
    expect(t.problems).toEqual([]);
    expect([...t.addresses.keys()]).toEqual(['default/a.default.mesh', 'default/b.default.mesh']);
  });
});

describe('identity of unchanged resources', () => {
  it('an Address built from the same inputs is the same object as in the previous result', () => {
    const m = new MeshConfig();
    const first = m.update(quickstartFiles());
    const again = m.update(quickstartFiles());
    for (const [name, a] of first.addresses) expect(again.addresses.get(name), name).toBe(a);

    const moved = m.update(withFile(quickstartFiles(), WORKLOADS, text(quickstartFiles(), WORKLOADS).replace('127.0.10.1', '127.0.10.9')));
    expect(moved.addresses.get(SLEEP_UID)).not.toBe(first.addresses.get(SLEEP_UID));
    expect(moved.addresses.get(ECHO_UID)).not.toBe(first.addresses.get(ECHO_UID)); // same file, re-read: new objects
    expect(moved.addresses.get('default/echo.default.mesh')).toBe(first.addresses.get('default/echo.default.mesh'));

    // A namespace edit changes the tunnel of every workload in it.
    const plain = m.update(withFile(quickstartFiles(), 'quickstart/namespace.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: { name: default }\n'));
    const echo = plain.addresses.get(ECHO_UID);
    expect(echo?.type.case === 'workload' && echo.type.value.tunnelProtocol).toBe(0);
  });
});
