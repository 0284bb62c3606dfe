// On-demand lookups (Istio's XDS_ON_DEMAND ztunnel) against ambientd in-process: a client that subscribes to nothing
// gets a workload by `<network>/<ip>`, a service by VIP, CIDR key (`<network>/<ip>/<len>`) or name together with its
// workloads, and an unknown address as removed; the aliases themselves are checked on the pure function.
import { afterEach, describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { AddressSchema, NetworkAddressSchema, type Address } from '@ambient/api/workload';
import { addressType, authorizationType, XdsClient } from '@ambient/xds-client';
import { ipText } from '@ambient/mesh-config';
import { addressAliases, vipKey } from '../src/address-aliases.js';
import { ECHO_SERVICE, ECHO_UID, MESH, OpenedPerTest, quiet, SLEEP_UID, startMesh } from './fixtures.js';

const opened = new OpenedPerTest();
afterEach(() => opened.close());

/** The test mesh plus a ServiceEntry for a whole range, which istiod keys as `<network>/<ip>/<len>`. */
const WITH_CIDR = {
  ...MESH,
  'range.yaml': `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: range
  namespace: default
spec:
  hosts: [range.default.mesh]
  addresses: [240.240.1.0/24, "2001:db8:f0::/64"]
  ports:
  - number: 80
    name: tcp
    protocol: TCP
  resolution: NONE
`,
};

async function onDemandClient(): Promise<XdsClient> {
  const mesh = (opened.mesh ??= await startMesh(WITH_CIDR));
  const client = new XdsClient({
    address: mesh.daemon.grpcAddress,
    tls: { rootPem: mesh.daemon.rootPem },
    token: await mesh.token({ namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-b' }),
    node: { nodeName: 'node-b', podName: 'ztunnel-node-b', podNamespace: 'istio-system', clusterId: 'Kubernetes' },
    types: [{ type: addressType, onDemand: true }, { type: authorizationType }],
    logger: quiet,
  });
  opened.clients.push(client);
  await client.ready();
  return client;
}

describe('ambientd answers on-demand Address lookups', () => {
  it('sends nothing unasked, then a workload by /<ip> under its own name', async () => {
    const client = await onDemandClient();
    expect(client.snapshot(addressType).size).toBe(0);
    const echo = await client.fetch(addressType, '/127.0.10.1');
    expect(echo?.type.case === 'workload' && echo.type.value.name).toBe('echo');
    expect([...client.snapshot(addressType).keys()]).toEqual([ECHO_UID]);
  });

  it('sends a service looked up by VIP or by name together with its workloads, and no other', async () => {
    const byVip = await onDemandClient();
    // Several resources answer the VIP: the lookup resolves with one of them; the cache holds all, by their names.
    expect(await byVip.fetch(addressType, '/240.240.0.1')).toBeDefined();
    expect([...byVip.snapshot(addressType).keys()].sort()).toEqual([ECHO_SERVICE, ECHO_UID].sort());
    const byName = await onDemandClient();
    expect((await byName.fetch(addressType, ECHO_SERVICE))?.type.case).toBe('service'); // its own name wins over aliases
    expect([...byName.snapshot(addressType).keys()].sort()).toEqual([ECHO_SERVICE, ECHO_UID].sort());
    expect(byName.find(addressType, SLEEP_UID)).toBeUndefined();
  });

  it('sends a CIDR service by its <network>/<ip>/<len> key, and not by the bare range address or another length', async () => {
    const client = await onDemandClient();
    const range = await client.fetch(addressType, '/240.240.1.0/24');
    expect(range?.type.case === 'service' && range.type.value.hostname).toBe('range.default.mesh');
    expect([...client.snapshot(addressType).keys()]).toEqual(['default/range.default.mesh']);
    const v6 = await onDemandClient();
    expect((await v6.fetch(addressType, '/2001:db8:f0::/64'))?.type.case).toBe('service');
    for (const key of ['/240.240.1.0', '/240.240.1.0/16', '/240.240.1.0/', '/240.240.1.0/24/1', 'default/240.240.1.0/24']) {
      const other = await onDemandClient();
      expect({ key, found: await other.fetch(addressType, key) }).toEqual({ key, found: undefined });
    }
  });

  it('answers an address nobody has as absent, at once', async () => {
    const client = await onDemandClient();
    const started = Date.now();
    expect(await client.fetch(addressType, '/127.0.99.99')).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(client.snapshot(addressType).size).toBe(0);
  });
});

describe('addressAliases', () => {
  const ip = (...b: number[]) => new Uint8Array(b);
  it('keys workloads by network/ip and services by network/vip; workloads also by their services', () => {
    const addresses = new Map<string, Address>([
      ['ns/svc', create(AddressSchema, { type: { case: 'service', value: { name: 'svc', namespace: 'ns', hostname: 'svc', addresses: [{ network: 'n1', address: ip(10, 96, 0, 1) }] } } })],
      ['pod', create(AddressSchema, { type: { case: 'workload', value: { uid: 'pod', network: 'n1', addresses: [ip(10, 0, 0, 1), ip(0xfd, 0, ...new Array<number>(13).fill(0), 1)], services: { 'ns/svc': {} } } } })],
      ['lone', create(AddressSchema, { type: { case: 'workload', value: { uid: 'lone' } } })],
    ]);
    const aliases = addressAliases(addresses);
    expect(aliases.get('ns/svc')).toEqual(['n1/10.96.0.1']);
    expect(aliases.get('pod')).toEqual(['n1/10.0.0.1', 'n1/fd00::1', 'ns/svc', 'n1/10.96.0.1']);
    expect(aliases.has('lone')).toBe(false);
  });

  it.each([
    ['an address', { network: 'n1', address: ip(10, 96, 0, 1) }, 'n1/10.96.0.1'],
    ['a CIDR range', { network: 'n1', address: ip(10, 96, 0, 0), length: 16 }, 'n1/10.96.0.0/16'],
    ['an IPv6 range, on the empty network', { network: '', address: ip(0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(12).fill(0)), length: 64 }, '/2001:db8::/64'],
    ['length 0: the whole family', { network: '', address: ip(0, 0, 0, 0), length: 0 }, '/0.0.0.0/0'],
    ['a /32 is one address', { network: '', address: ip(10, 96, 0, 1), length: 32 }, '/10.96.0.1'],
    ['a /128 is one address', { network: '', address: ip(0xfd, ...new Array<number>(14).fill(0), 1), length: 128 }, '/fd00::1'],
    ['malformed bytes give no key', { network: 'n1', address: ip(10, 96, 0), length: 16 }, undefined],
  ])('vipKey: %s', (_name, address, key) => {
    expect(vipKey(create(NetworkAddressSchema, address))).toBe(key);
  });

  it('keys a CIDR service and its workloads by <network>/<ip>/<len>, skipping a malformed VIP', () => {
    const addresses = new Map<string, Address>([
      ['ns/range', create(AddressSchema, { type: { case: 'service', value: { name: 'range', namespace: 'ns', hostname: 'range', addresses: [{ network: 'n1', address: ip(10, 97, 0, 0), length: 16 }, { network: 'n1', address: ip(1, 2, 3) }] } } })],
      ['pod', create(AddressSchema, { type: { case: 'workload', value: { uid: 'pod', network: 'n1', addresses: [ip(10, 97, 0, 5)], services: { 'ns/range': {} } } } })],
    ]);
    const aliases = addressAliases(addresses);
    expect(aliases.get('ns/range')).toEqual(['n1/10.97.0.0/16']);
    expect(aliases.get('pod')).toEqual(['n1/10.97.0.5', 'ns/range', 'n1/10.97.0.0/16']);
  });

  it('prints addresses as a socket does, and a malformed one as empty', () => {
    expect(ipText(ip(127, 0, 0, 1))).toBe('127.0.0.1');
    expect(ipText(ip(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10))).toBe('2001:db8::10');
    expect(ipText(ip(1, 2, 3))).toBe('');
  });
});
