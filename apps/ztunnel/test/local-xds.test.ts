// --local-xds-path's format (Istio ztunnel's LocalConfig YAML): files shaped like ztunnel's examples/localhost.yaml
// become the Address and Authorization messages xDS would carry and load into MeshState; every malformed field is
// refused with its path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Action, Scope } from '@ambient/api/security';
import { IPFamilies, LoadBalancing_HealthPolicy, LoadBalancing_Mode, LoadBalancing_Scope, NetworkMode, TunnelProtocol, WorkloadStatus, WorkloadType, type Service, type Workload } from '@ambient/api/workload';
import { MeshState } from '@ambient/mesh-state';
import { loadLocalXds, readLocalXds } from '../src/local-xds/load.js';
import { parseLocalXds, type LocalXdsConfig } from '../src/local-xds/parse.js';
import { addressType } from '@ambient/xds-client';
import { parseZtunnelArgs } from '../src/cli/args.js';
import { readZtunnelConfig } from '../src/config.js';
import { applyBatch } from '../src/xds-sync.js';

// The shape of ztunnel's examples/localhost.yaml: two workloads (HBONE and TCP) serving two services, a namespace
// ALLOW policy for every port but one, and two services, one VIP on the default network and one on another.
const LOCALHOST = `
workloads:
- uid: cluster1//v1/Pod/default/local
  name: local
  namespace: default
  serviceAccount: default
  workloadIps: ["127.0.0.1"]
  protocol: HBONE
  node: local
  network: ""
  services:
    "default/example.com":
      80: 8080
    "default/example2.com":
      80: 8080
- uid: cluster1//v1/Pod/default/local-tcp
  name: local-tcp
  namespace: default
  serviceAccount: default
  workloadIps: ["127.0.0.2"]
  protocol: TCP
  node: local
  network: ""
  services:
    "default/example.com":
      80: 8080
policies:
  - action: Allow
    rules:
    - - - notDestinationPorts:
          - 9999
    name: deny-9999
    namespace: default
    scope: Namespace
services:
- name: local
  namespace: default
  hostname: example.com
  vips:
    - /127.10.0.1
  ports:
    80: 8080
  subjectAltNames:
   - spiffe://cluster.local/ns/default/sa/local
- name: remote
  namespace: default
  hostname: example2.com
  vips:
    - remote/127.10.0.2
  ports:
    80: 8080
`;

function parsed(text: string): LocalXdsConfig {
  const result = parseLocalXds(text);
  if ('problems' in result) throw new Error(result.problems.join('\n'));
  return result.config;
}

function workloadOf(config: LocalXdsConfig, i: number): Workload {
  const t = config.addresses[i]?.value.type;
  if (t?.case !== 'workload') throw new Error(`address ${i} is not a workload`);
  return t.value;
}

function serviceOf(config: LocalXdsConfig, i: number): Service {
  const t = config.addresses[i]?.value.type;
  if (t?.case !== 'service') throw new Error(`address ${i} is not a service`);
  return t.value;
}

function problemsOf(text: string): string[] {
  const result = parseLocalXds(text);
  if (!('problems' in result)) throw new Error('expected problems, the file was accepted');
  return [...result.problems];
}

describe('parseLocalXds: files in ztunnel\'s LocalConfig format', () => {
  it('reads the localhost example into xDS messages named as istiod names them', () => {
    const config = parsed(LOCALHOST);
    expect(config.addresses.map((a) => [a.name, a.path])).toEqual([
      ['cluster1//v1/Pod/default/local', 'workloads[0]'],
      ['cluster1//v1/Pod/default/local-tcp', 'workloads[1]'],
      ['default/example.com', 'services[0]'],
      ['default/example2.com', 'services[1]'],
    ]);
    const local = workloadOf(config, 0);
    expect(local).toMatchObject({ name: 'local', namespace: 'default', serviceAccount: 'default', node: 'local', tunnelProtocol: TunnelProtocol.HBONE, network: '' });
    expect([...(local.addresses[0] ?? [])]).toEqual([127, 0, 0, 1]);
    expect(Object.keys(local.services)).toEqual(['default/example.com', 'default/example2.com']);
    expect(local.services['default/example.com']?.ports.map((p) => [p.servicePort, p.targetPort])).toEqual([[80, 8080]]);
    expect(workloadOf(config, 1).tunnelProtocol).toBe(TunnelProtocol.NONE);
    const remote = serviceOf(config, 3);
    expect(remote.addresses.map((a) => [a.network, [...a.address]])).toEqual([['remote', [127, 10, 0, 2]]]);
    expect(serviceOf(config, 2)).toMatchObject({ name: 'local', hostname: 'example.com', subjectAltNames: ['spiffe://cluster.local/ns/default/sa/local'] });
    expect(config.authorizations.map((a) => a.name)).toEqual(['default/deny-9999']);
    const policy = config.authorizations[0]?.value;
    expect(policy).toMatchObject({ scope: Scope.NAMESPACE, action: Action.ALLOW, dryRun: false });
    expect(policy?.groups[0]?.rules[0]?.matches[0]?.notDestinationPorts).toEqual([9999]);
  });

  it('loads into MeshState through the xDS batch writer: workloads, endpoints, VIPs, policies', () => {
    const state = new MeshState();
    loadLocalXds(state, { inline: LOCALHOST });
    const local = state.findWorkloadByAddress({ network: '', ip: '127.0.0.1' });
    // Defaults as for an xDS Workload: trust domain cluster.local, cluster Kubernetes.
    expect(local).toMatchObject({ uid: 'cluster1//v1/Pod/default/local', identity: 'spiffe://cluster.local/ns/default/sa/default', tunnelProtocol: 'HBONE', clusterId: 'Kubernetes' });
    expect(state.findWorkloadsOnNode('local').map((w) => w.name).sort()).toEqual(['local', 'local-tcp']);
    expect(state.findServiceByVip({ network: '', ip: '127.10.0.1' })?.hostname).toBe('example.com');
    expect(state.findServiceByVip({ network: 'remote', ip: '127.10.0.2' })?.hostname).toBe('example2.com');
    expect(state.findEndpoints('default/example.com').map((w) => w.name).sort()).toEqual(['local', 'local-tcp']);
    expect(state.policies.get('default/deny-9999')).toMatchObject({ action: 'ALLOW', scope: 'NAMESPACE', rules: [[[{ notDestinationPorts: [9999] }]]] });
  });

  it('lets xDS change what the file put there, as the file and xDS share one store in Istio', () => {
    const state = new MeshState();
    const config = loadLocalXds(state, { inline: LOCALHOST });
    const tcp = config.addresses[1];
    if (tcp === undefined) throw new Error('no second workload');
    expect(applyBatch(state, { typeUrl: addressType.typeUrl, changed: [], removed: [tcp.name] }).size).toBe(0);
    expect(state.findWorkloadByAddress({ network: '', ip: '127.0.0.2' })).toBeUndefined();
    expect(state.findWorkloadByAddress({ network: '', ip: '127.0.0.1' })).toBeDefined();
  });

  it('makes a uid from cluster, namespace and name when the file gives none', () => {
    const config = parsed('workloads:\n- name: sleep\n  namespace: default\n  workloadIps: [127.0.10.1]\n- name: echo\n  namespace: default\n  clusterId: east\n  workloadIps: ["::1"]\n');
    expect(config.addresses.map((a) => a.name)).toEqual(['Kubernetes//v1/Pod/default/sleep', 'east//v1/Pod/default/echo']);
    expect([...(workloadOf(config, 1).addresses[0] ?? [])]).toEqual([...new Uint8Array(15), 1]);
  });

  it('reads every workload field ztunnel\'s Workload has', () => {
    const w = workloadOf(parsed(`
workloads:
- uid: u1
  name: w
  namespace: ns
  workloadIps: [10.0.0.1, "2001:db8::1"]
  hostname: w.example.com
  network: net1
  protocol: HBONE
  networkMode: HostNetwork
  trustDomain: td
  serviceAccount: sa
  waypoint: {destination: net1/10.0.0.9, hboneMtlsPort: 15008}
  networkGateway: {destination: istio-system/gw.example.com, hboneMtlsPort: 15009}
  node: n1
  workloadName: w-deploy
  workloadType: pod
  canonicalName: w-app
  canonicalRevision: v2
  nativeTunnel: true
  applicationTunnel: {protocol: PROXY, port: 9000}
  authorizationPolicies: [ns/p1]
  status: Unhealthy
  clusterId: c1
  locality: {region: r, zone: z, subzone: s}
  capacity: 3
  services: {}
`), 0);
    expect(w).toMatchObject({
      uid: 'u1', hostname: 'w.example.com', network: 'net1', networkMode: NetworkMode.HOST_NETWORK, trustDomain: 'td', serviceAccount: 'sa',
      node: 'n1', workloadName: 'w-deploy', workloadType: WorkloadType.POD, canonicalName: 'w-app', canonicalRevision: 'v2', nativeTunnel: true,
      authorizationPolicies: ['ns/p1'], status: WorkloadStatus.UNHEALTHY, clusterId: 'c1', capacity: 3,
      locality: { region: 'r', zone: 'z', subzone: 's' }, applicationTunnel: { protocol: 1, port: 9000 },
    });
    expect(w.addresses.map((a) => a.length)).toEqual([4, 16]);
    expect(w.waypoint?.destination).toMatchObject({ case: 'address', value: { network: 'net1', address: new Uint8Array([10, 0, 0, 9]) } });
    expect(w.waypoint?.hboneMtlsPort).toBe(15008);
    expect(w.networkGateway?.destination).toMatchObject({ case: 'hostname', value: { namespace: 'istio-system', hostname: 'gw.example.com' } });
  });

  it('reads service load balancing, IP families and waypoints', () => {
    const s = serviceOf(parsed(`
services:
- name: echo
  namespace: default
  hostname: echo.default.mesh
  vips: [/10.96.0.1, "net2/fd00::1"]
  ports: {80: 8080, 443: 8443}
  waypoint: {destination: default/waypoint.default.svc.cluster.local, hboneMtlsPort: 15008}
  loadBalancer: {routingPreferences: [Network, Zone], mode: Failover, healthPolicy: AllowAll}
  ipFamilies: Dual
  endpoints: {}
`), 0);
    expect(s.ports.map((p) => [p.servicePort, p.targetPort])).toEqual([[80, 8080], [443, 8443]]);
    expect(s.addresses.map((a) => [a.network, a.address.length])).toEqual([['', 4], ['net2', 16]]);
    expect(s.loadBalancing).toMatchObject({ routingPreference: [LoadBalancing_Scope.NETWORK, LoadBalancing_Scope.ZONE], mode: LoadBalancing_Mode.FAILOVER, healthPolicy: LoadBalancing_HealthPolicy.ALLOW_ALL });
    expect(s.ipFamilies).toBe(IPFamilies.DUAL);
    expect(s.waypoint?.destination.case).toBe('hostname');
  });

  it('reads string matches as serde writes them, as maps or as YAML tags, and every other match field', () => {
    const text = `
policies:
- name: p
  namespace: default
  scope: WorkloadSelector
  action: Deny
  dryRun: true
  rules:
  - - - principals: [{Exact: cluster.local/ns/default/sa/sleep}, !Prefix "cluster.local/ns/a/", !Suffix /sa/x]
        notPrincipals: [!Presence [], !Presence , {Presence: null}]
        namespaces: [{Presence: []}, !Exact default]
        notNamespaces: [{Suffix: -test}]
        serviceAccounts: [{namespace: default, serviceAccount: sleep}]
        notServiceAccounts: [{namespace: other, serviceAccount: x}]
        sourceIps: [10.0.0.0/8, "2001:db8::/32"]
        notSourceIps: [10.1.0.0/16]
        destinationIps: [127.0.0.1/32]
        notDestinationIps: [127.0.0.2/32]
        destinationPorts: [8080]
      - {}
    - - destinationPorts: [9090]
`;
    const p = parsed(text).authorizations[0]?.value;
    expect(p).toMatchObject({ scope: Scope.WORKLOAD_SELECTOR, action: Action.DENY, dryRun: true });
    const m = p?.groups[0]?.rules[0]?.matches[0];
    expect(m?.principals.map((s) => s.matchType)).toEqual([
      { case: 'exact', value: 'cluster.local/ns/default/sa/sleep' }, { case: 'prefix', value: 'cluster.local/ns/a/' }, { case: 'suffix', value: '/sa/x' },
    ]);
    expect(m?.notPrincipals.map((s) => s.matchType.case)).toEqual(['presence', 'presence', 'presence']);
    expect(m?.namespaces.map((s) => s.matchType.case)).toEqual(['presence', 'exact']);
    expect(m?.serviceAccounts[0]).toMatchObject({ namespace: 'default', serviceAccount: 'sleep' });
    expect(m?.sourceIps.map((a) => [a.address.length, a.length])).toEqual([[4, 8], [16, 32]]);
    expect(p?.groups[0]?.rules[0]?.matches).toHaveLength(2);
    expect(p?.groups[0]?.rules[1]?.matches[0]?.destinationPorts).toEqual([9090]);
    // The policy model accepts every field as converted (l4-authz refuses what ztunnel would silently drop).
    const state = new MeshState();
    loadLocalXds(state, { inline: text });
    expect(state.policies.get('default/p')).toMatchObject({ action: 'DENY', scope: 'WORKLOAD_SELECTOR', dryRun: true });
    expect(state.policies.get('default/p')?.rules[0]?.[0]?.[0]?.sourceIps.map((c) => c.text)).toEqual(['10.0.0.0/8', '2001:db8::/32']);
  });

  it.each(['', '# nothing but a comment\n', '{}\n', 'workloads: []\nservices: []\npolicies: []\n', 'workloads:\n'])('accepts an empty config %j', (text) => {
    expect(parsed(text)).toMatchObject({ addresses: [], authorizations: [] });
  });

  const W = (fields: string) => `workloads:\n- name: a\n  namespace: default\n${fields}`;
  const S = (fields: string) => `services:\n- name: s\n  namespace: default\n  hostname: s.default.mesh\n${fields}`;
  const P = (match: string) => `policies:\n- name: p\n  namespace: default\n  scope: Namespace\n  action: Allow\n  rules:\n  - - - ${match}\n`;

  it.each([
    ['an address that is not one', W('  workloadIps: ["1.2.3"]\n'), 'workloads[0].workloadIps[0]: "1.2.3" is not an IP address'],
    ['a CIDR as a workload address', W('  workloadIps: [10.0.0.0/8]\n'), 'workloads[0].workloadIps[0]: "10.0.0.0/8" is not an IP address'],
    ['workloadIps as a string', W('  workloadIps: 10.0.0.1\n'), 'workloads[0].workloadIps: must be a list, got "10.0.0.1"'],
    ['the old singular workloadIp', W('  workloadIp: 10.0.0.1\n'), 'workloads[0].workloadIp: unknown field; expected one of uid, name, namespace, workloadIps'],
    ['no namespace', 'workloads:\n- name: a\n', 'workloads[0].namespace: is required'],
    ['no uid and no name', 'workloads:\n- namespace: default\n', 'workloads[0].uid: is required when there is no name to make it from'],
    ['an empty workload', 'workloads:\n-\n', 'workloads[0]: is empty; a workload needs at least a namespace'],
    ['a workload that is a string', 'workloads:\n- sleep\n', 'workloads[0]: must be a mapping, got "sleep"'],
    ['protocol in the wrong case', W('  protocol: hbone\n'), 'workloads[0].protocol: "hbone" is not one of TCP, HBONE'],
    ['an unknown status', W('  status: Ready\n'), 'workloads[0].status: "Ready" is not one of Healthy, Unhealthy'],
    ['an unknown network mode', W('  networkMode: host\n'), 'workloads[0].networkMode: "host" is not one of Standard, HostNetwork'],
    ['an unknown workload type', W('  workloadType: statefulset\n'), 'workloads[0].workloadType: "statefulset" is not one of deployment, cronjob, pod, job'],
    ['a number where a name goes', W('  node: 7\n'), 'workloads[0].node: must be a string, got 7 (quote it)'],
    ['nativeTunnel as yes', W('  nativeTunnel: yes\n'), 'workloads[0].nativeTunnel: must be true or false, got "yes"'],
    ['a negative capacity', W('  capacity: -1\n'), 'workloads[0].capacity: -1 is not a whole number from 0 to 4294967295'],
    ['a services key without a namespace', W('  services:\n    echo.default.mesh: {80: 8080}\n'), 'workloads[0].services["echo.default.mesh"]: key is not "namespace/hostname"'],
    ['a target port out of range', W('  services:\n    default/e.mesh: {80: 70000}\n'), 'workloads[0].services["default/e.mesh"]["80"]: 70000 is not a port from 0 to 65535'],
    ['a named service port', W('  services:\n    default/e.mesh: {http: 8080}\n'), 'workloads[0].services["default/e.mesh"].http: "http" is not a service port from 1 to 65535'],
    ['services as a list', W('  services: [default/e.mesh]\n'), 'workloads[0].services: must be a mapping, got a list'],
    ['a waypoint without destination', W('  waypoint: {hboneMtlsPort: 15008}\n'), 'workloads[0].waypoint.destination: is required ("network/IP" or "namespace/hostname")'],
    ['a waypoint destination without a slash', W('  waypoint: {destination: waypoint}\n'), 'workloads[0].waypoint.destination: "waypoint" is not "network/IP" or "namespace/hostname"'],
    ['a waypoint port out of range', W('  waypoint: {destination: /10.0.0.1, hboneMtlsPort: 150080}\n'), 'workloads[0].waypoint.hboneMtlsPort: 150080 is not a port from 0 to 65535'],
    ['a waypoint with a misspelt field', W('  waypoint: {destination: /10.0.0.1, port: 15008}\n'), 'workloads[0].waypoint.port: unknown field; expected one of destination, hboneMtlsPort'],
    ['an application tunnel protocol ztunnel lacks', W('  applicationTunnel: {protocol: HTTP}\n'), 'workloads[0].applicationTunnel.protocol: "HTTP" is not one of NONE, PROXY'],
    ['a locality field ztunnel lacks', W('  locality: {region: r, country: x}\n'), 'workloads[0].locality.country: unknown field; expected one of region, zone, subzone'],
    ['a service without hostname', 'services:\n- name: s\n  namespace: default\n', 'services[0].hostname: is required'],
    ['a VIP without its network', S('  vips: [10.96.0.1]\n'), 'services[0].vips[0]: "10.96.0.1" is not "network/IP" (for the default network "/10.0.0.1")'],
    ['a VIP that is no address', S('  vips: [/10.96.0.300]\n'), 'services[0].vips[0]: "/10.96.0.300" is not "network/IP"'],
    ['a service port of 0', S('  ports: {0: 80}\n'), 'services[0].ports["0"]: "0" is not a service port from 1 to 65535'],
    ['endpoints listed on a service', S('  endpoints:\n    u1: {workloadUid: u1, port: {80: 8080}, status: Healthy}\n'), 'services[0].endpoints: is not read here: list the service under each endpoint workload\'s services instead'],
    ['an unknown load balancer mode', S('  loadBalancer: {mode: RoundRobin}\n'), 'services[0].loadBalancer.mode: "RoundRobin" is not one of Standard, Strict, Failover, Passthrough'],
    ['an unknown routing preference', S('  loadBalancer: {routingPreferences: [Zone, Rack]}\n'), 'services[0].loadBalancer.routingPreferences[1]: "Rack" is not one of Region, Zone, Subzone, Node, Cluster, Network'],
    ['IP families in proto spelling', S('  ipFamilies: IPV4_ONLY\n'), 'services[0].ipFamilies: "IPV4_ONLY" is not one of Dual, IPv4, IPv6'],
    ['a policy without scope', 'policies:\n- {name: p, namespace: default, action: Allow, rules: []}\n', 'policies[0].scope: is required (one of Global, Namespace, WorkloadSelector)'],
    ['an action in proto spelling', 'policies:\n- {name: p, namespace: default, scope: Global, action: ALLOW}\n', 'policies[0].action: "ALLOW" is not one of Allow, Deny'],
    ['a policy without name', 'policies:\n- {namespace: default, scope: Global, action: Deny}\n', 'policies[0].name: is required'],
    ['rules one level short', 'policies:\n- {name: p, namespace: default, scope: Global, action: Deny, rules: [[{destinationPorts: [1]}]]}\n', 'policies[0].rules[0][0]: must be a list, got a mapping'],
    ['a misspelt match field', P('notDestinationPort: [9999]'), 'policies[0].rules[0][0][0].notDestinationPort: unknown field; expected one of namespaces, notNamespaces, principals'],
    ['a principal as a bare string', P('principals: [cluster.local/ns/default/sa/sleep]'), 'policies[0].rules[0][0][0].principals[0]: "cluster.local/ns/default/sa/sleep" is not a string match: {Exact: x}, {Prefix: x}, {Suffix: x} or {Presence: []}'],
    ['a string match of two kinds', P('namespaces: [{Exact: a, Prefix: b}]'), 'policies[0].rules[0][0][0].namespaces[0]: a mapping is not a string match'],
    ['a regex match, which ztunnel lacks', P('namespaces: [!Regex "a.*"]'), 'policies[0].rules[0][0][0].namespaces[0]: a mapping is not a string match'],
    ['presence with a value', P('namespaces: [{Presence: yes}]'), 'policies[0].rules[0][0][0].namespaces[0].Presence: takes no value'],
    ['an exact match of a number', P('namespaces: [{Exact: 7}]'), 'policies[0].rules[0][0][0].namespaces[0].Exact: must be a string, got 7 (quote it)'],
    ['a source IP without prefix length', P('sourceIps: [10.0.0.1]'), 'policies[0].rules[0][0][0].sourceIps[0]: "10.0.0.1" is not an IP range such as 10.0.0.0/8 or 2001:db8::/32'],
    ['a prefix longer than the address', P('notSourceIps: [10.0.0.0/33]'), 'policies[0].rules[0][0][0].notSourceIps[0]: "10.0.0.0/33" is not an IP range'],
    ['destination port 0', P('destinationPorts: [0]'), 'policies[0].rules[0][0][0].destinationPorts[0]: 0 is not a port from 1 to 65535'],
    ['a service account match without its account', P('serviceAccounts: [{namespace: default}]'), 'policies[0].rules[0][0][0].serviceAccounts[0].serviceAccount: is required'],
    ['dryRun as a string', 'policies:\n- {name: p, namespace: default, scope: Global, action: Deny, dryRun: "false"}\n', 'policies[0].dryRun: must be true or false, got "false"'],
    ['two workloads with one uid', 'workloads:\n- {uid: u, namespace: a}\n- {uid: u, namespace: b}\n', 'workloads[1]: workload uid "u" is also workloads[0]'],
    ['two services with one namespace/hostname', 'services:\n- {namespace: a, hostname: h}\n- {name: x, namespace: a, hostname: h}\n', 'services[1]: service "a/h" is also services[0]'],
    ['two policies with one namespace/name', 'policies:\n- {name: p, namespace: a, scope: Global, action: Deny}\n- {name: p, namespace: a, scope: Global, action: Allow}\n', 'policies[1]: policy "a/p" is also policies[0]'],
    ['a misspelt top-level key', 'workload:\n- {name: a, namespace: b}\n', 'workload: unknown field; expected one of workloads, services, policies'],
    ['a list at the top, as the oldest example had', '- name: local\n  namespace: default\n  workloadIp: 127.0.0.1\n', '(top level): must be a mapping with workloads, services and policies'],
    ['a scalar at the top', 'hello\n', '(top level): must be a mapping'],
    ['workloads as a mapping', 'workloads: {a: 1}\n', 'workloads: must be a list, got a mapping'],
    ['broken YAML, with its line', 'workloads:\n- name: a\n  namespace: default: x\n', 'line 3: not YAML: Nested mappings are not allowed in compact mappings'],
    ['a key given twice', 'workloads:\n- name: a\n  name: b\n  namespace: default\n', 'line 3: not YAML: Map keys must be unique'],
    ['two YAML documents', 'workloads: []\n---\npolicies: []\n', 'not YAML: Source contains multiple documents'],
    ['a mapping as a key', '? {a: 1}\n: x\n', 'a mapping key is itself a mapping or a list'],
  ])('refuses %s', (_name, text, message) => {
    expect(problemsOf(text).join('\n')).toContain(message);
  });

  it('names every problem of the file at once', () => {
    const problems = problemsOf(`
workloads:
- {name: a, namespace: default, workloadIps: [1.2.3], protocol: hbone}
- {name: b, workloadIps: [10.0.0.2]}
policies:
- {name: p, namespace: default, scope: Global, action: Deny, rules: [[[{destinationPorts: [0]}]]]}
`);
    expect(problems).toEqual([
      'workloads[0].workloadIps[0]: "1.2.3" is not an IP address',
      'workloads[0].protocol: "hbone" is not one of TCP, HBONE',
      'workloads[1].namespace: is required',
      'policies[0].rules[0][0][0].destinationPorts[0]: 0 is not a port from 1 to 65535',
    ]);
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 6 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    expect(problemsOf(bomb).join('\n')).toMatch(/more than 100000 YAML nodes/);
  });
});

describe('readLocalXds / loadLocalXds: the file behind --local-xds-path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ztunnel-local-xds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file', () => {
    const path = join(dir, 'localhost.yaml');
    writeFileSync(path, LOCALHOST);
    expect(readLocalXds({ path }).addresses).toHaveLength(4);
  });

  it('names the file it cannot read', () => {
    expect(() => readLocalXds({ path: join(dir, 'missing.yaml') })).toThrow(/^--local-xds-path .*missing\.yaml cannot be read: ENOENT/);
  });

  it('names the file and the field of a bad one, with code ZTUNNEL_ERR_FILE', () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'workloads:\n- {name: a, namespace: default, workloadIps: [10.0.0.1]}\n- {name: b, namespace: default, workloadIps: ["1.2.3"]}\n');
    let error: unknown;
    try {
      readLocalXds({ path });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'ZTUNNEL_ERR_FILE', message: `--local-xds-path ${path} is not a valid local config: workloads[1].workloadIps[0]: "1.2.3" is not an IP address` });
  });

  it('names --local-xds for inline YAML, and caps a long list of problems', () => {
    const many = `workloads:\n${Array.from({ length: 12 }, (_, i) => `- {name: w${i}, namespace: d, workloadIps: [x]}`).join('\n')}\n`;
    expect(() => readLocalXds({ inline: many })).toThrow(/^--local-xds is not a valid local config: workloads\[0\]\.workloadIps\[0\]: "x" is not an IP address; .*; and 2 more$/);
  });
});

describe('the flags: --local-xds-path, --local-xds, and --xds-address \'\'', () => {
  const required = { '--node': 'node-a', '--token-file': 't', '--root-cert': 'r' };

  it('reads --local-xds-path and keeps xDS on by default, as Istio uses both', () => {
    const config = readZtunnelConfig({ ...required, '--local-xds-path': '/etc/ztunnel/local.yaml' });
    expect(config).toMatchObject({ localXdsPath: '/etc/ztunnel/local.yaml', localXds: '', xdsAddress: { host: '127.0.0.1', port: 15012 } });
  });

  it('turns xDS off with an empty --xds-address, and then wants --ca-address for certificates', () => {
    const config = readZtunnelConfig({ ...required, '--xds-address': '', '--ca-address': '127.0.0.1:15012', '--local-xds-path': 'l.yaml' });
    expect(config.xdsAddress).toBeUndefined();
    expect(config.caAddress).toEqual({ host: '127.0.0.1', port: 15012 });
    expect(() => readZtunnelConfig({ ...required, '--xds-address': '' })).toThrow("--ca-address is required when --xds-address is '' (certificates still come from the mesh CA)");
  });

  it('refuses both sources at once, as Istio refuses LOCAL_XDS_PATH with LOCAL_XDS', () => {
    expect(() => readZtunnelConfig({ ...required, '--local-xds-path': 'l.yaml', '--local-xds': 'workloads: []' })).toThrow('only one of --local-xds-path or --local-xds may be set');
  });

  it('takes the flags on the command line', () => {
    expect(parseZtunnelArgs(['--node', 'n', '--token-file', 't', '--root-cert', 'r', '--xds-address', '', '--ca-address', '127.0.0.1:1', '--local-xds', 'workloads: []'])).toMatchObject({ localXds: 'workloads: []', xdsAddress: undefined });
  });
});
