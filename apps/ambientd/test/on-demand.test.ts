// On-demand lookups (Istio's XDS_ON_DEMAND ztunnel) against ambientd in-process: a client that subscribes to nothing
// gets a workload by `<network>/<ip>`, a service by VIP or name together with its workloads, and an unknown address
// as removed; the aliases themselves are checked on the pure function.
import { afterEach, describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { AddressSchema, type Address } from '@ambient/api/workload';
import { addressType, authorizationType, XdsClient } from '@ambient/xds-client';
import { ipText } from '@ambient/mesh-config';
import { addressAliases } from '../src/address-aliases.js';
import { quiet, startMesh, WORKLOAD_UID, type TestMesh } from './fixtures.js';

const ECHO = WORKLOAD_UID('default', 'echo');
const SLEEP = WORKLOAD_UID('default', 'sleep');
const SERVICE = 'default/echo.default.mesh';

let mesh: TestMesh | undefined;
const clients: XdsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await mesh?.stop();
  mesh = undefined;
});

async function onDemandClient(): Promise<XdsClient> {
  mesh ??= await startMesh();
  const client = new XdsClient({
    address: mesh.daemon.grpcAddress,
    tls: { rootPem: mesh.daemon.rootPem },
    token: await mesh.token({ namespace: 'istio-system', serviceAccount: 'ztunnel', node: 'node-b' }),
    node: { nodeName: 'node-b', podName: 'ztunnel-node-b', podNamespace: 'istio-system', clusterId: 'Kubernetes' },
    types: [{ type: addressType, onDemand: true }, { type: authorizationType }],
    logger: quiet,
  });
  clients.push(client);
  await client.ready();
  return client;
}

describe('ambientd answers on-demand Address lookups', () => {
  it('sends nothing unasked, then a workload by /<ip> under its own name', async () => {
    const client = await onDemandClient();
    expect(client.snapshot(addressType).size).toBe(0);
    const echo = await client.fetch(addressType, '/127.0.10.1');
    expect(echo?.type.case === 'workload' && echo.type.value.name).toBe('echo');
    expect([...client.snapshot(addressType).keys()]).toEqual([ECHO]);
  });

  it('sends a service looked up by VIP or by name together with its workloads, and no other', async () => {
    const byVip = await onDemandClient();
    // Several resources answer the VIP: the lookup resolves with one of them; the cache holds all, by their names.
    expect(await byVip.fetch(addressType, '/240.240.0.1')).toBeDefined();
    expect([...byVip.snapshot(addressType).keys()].sort()).toEqual([SERVICE, ECHO].sort());
    const byName = await onDemandClient();
    expect((await byName.fetch(addressType, SERVICE))?.type.case).toBe('service'); // its own name wins over aliases
    expect([...byName.snapshot(addressType).keys()].sort()).toEqual([SERVICE, ECHO].sort());
    expect(byName.find(addressType, SLEEP)).toBeUndefined();
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

  it('prints addresses as a socket does, and a malformed one as empty', () => {
    expect(ipText(ip(127, 0, 0, 1))).toBe('127.0.0.1');
    expect(ipText(ip(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10))).toBe('2001:db8::10');
    expect(ipText(ip(1, 2, 3))).toBe('');
  });
});
