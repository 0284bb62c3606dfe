// Malformed Address resources: each is rejected with a reason naming the field (for the NACK), the rest of the
// batch is applied, and a rejected update leaves the previous version in place.
import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { AddressSchema, GatewayAddressSchema, LoadBalancing_Scope, TunnelProtocol, type Address } from '@ambient/api/workload';
import { MeshState } from '../src/index.js';
import { batch, ipBytes, nameOf, service, unknownEnum, workload } from '../src/testing/index.js';

const noDestination = create(GatewayAddressSchema, { hboneMtlsPort: 15008 });

const cases: [string, Address, RegExp][] = [
  ['LEGACY_ISTIO_MTLS', workload('w', '10.0.0.1', { tunnelProtocol: TunnelProtocol.LEGACY_ISTIO_MTLS }), /workload\.tunnelProtocol: LEGACY_ISTIO_MTLS \(2\) is not supported/],
  ['unknown tunnel protocol', workload('w', '10.0.0.1', { tunnelProtocol: unknownEnum(7) }), /workload\.tunnelProtocol: unknown value 7/],
  ['5-byte address', workload('w', undefined, { addresses: [new Uint8Array(5)] }), /workload\.addresses\[0\]: address has 5 bytes; expected 4 \(IPv4\) or 16 \(IPv6\)/],
  ['empty address', workload('w', undefined, { addresses: [new Uint8Array(0)] }), /workload\.addresses\[0\]: address has 0 bytes/],
  ['empty uid', workload('w', '10.0.0.1', { uid: '' }), /workload\.uid: must not be empty/],
  ['empty namespace', workload('w', '10.0.0.1', { namespace: '', uid: 'u1' }), /workload\.namespace: must not be empty/],
  ['unknown status', workload('w', '10.0.0.1', { status: unknownEnum(5) }), /workload\.status: unknown value 5/],
  ['unknown network mode', workload('w', '10.0.0.1', { networkMode: unknownEnum(9) }), /workload\.networkMode: unknown value 9/],
  ['unknown workload type', workload('w', '10.0.0.1', { workloadType: unknownEnum(9) }), /workload\.workloadType: unknown value 9/],
  ['waypoint without destination', workload('w', '10.0.0.1', { waypoint: noDestination }), /workload\.waypoint: gateway address has neither an address nor a hostname/],
  ['waypoint with bad address', workload('w', '10.0.0.1', { waypoint: { destination: { case: 'address', value: { address: new Uint8Array(3) } }, hboneMtlsPort: 15008 } }), /workload\.waypoint\.address\.address: address has 3 bytes/],
  ['waypoint port 0', workload('w', '10.0.0.1', { waypoint: { destination: { case: 'address', value: { address: ipBytes('10.0.0.9') } }, hboneMtlsPort: 0 } }), /workload\.waypoint\.hboneMtlsPort: 0 is not a port/],
  ['waypoint port 70000', workload('w', '10.0.0.1', { waypoint: { destination: { case: 'address', value: { address: ipBytes('10.0.0.9') } }, hboneMtlsPort: 70000 } }), /hboneMtlsPort: 70000 is not a port/],
  ['waypoint with empty hostname', workload('w', '10.0.0.1', { waypoint: { destination: { case: 'hostname', value: { namespace: 'ns', hostname: '' } }, hboneMtlsPort: 15008 } }), /workload\.waypoint\.hostname\.hostname: must not be empty/],
  ['network gateway without destination', workload('w', '10.0.0.1', { networkGateway: noDestination }), /workload\.networkGateway: gateway address has neither/],
  ['services key without a slash', workload('w', '10.0.0.1', { services: { nohost: { ports: [] } } }), /workload\.services\["nohost"\]: key is not "namespace\/hostname"/],
  ['services key with empty namespace', workload('w', '10.0.0.1', { services: { '/host': { ports: [] } } }), /services\["\/host"\]: key is not/],
  ['services key with empty hostname', workload('w', '10.0.0.1', { services: { 'ns/': { ports: [] } } }), /services\["ns\/"\]: key is not/],
  ['endpoint service port 0', workload('w', '10.0.0.1', { services: { 'ns/h': { ports: [{ servicePort: 0, targetPort: 80 }] } } }), /services\["ns\/h"\]\.ports\[0\]\.servicePort: 0 is not a port from 1 to 65535/],
  ['endpoint target port 70000', workload('w', '10.0.0.1', { services: { 'ns/h': { ports: [{ servicePort: 80, targetPort: 70000 }] } } }), /ports\[0\]\.targetPort: 70000 is not a port from 0 to 65535/],
  ['unknown app protocol', workload('w', '10.0.0.1', { services: { 'ns/h': { ports: [{ servicePort: 80, targetPort: 80, appProtocol: unknownEnum(99) }] } } }), /ports\[0\]\.appProtocol: unknown value 99/],
  ['unknown application tunnel protocol', workload('w', '10.0.0.1', { applicationTunnel: { protocol: unknownEnum(3), port: 15088 } }), /workload\.applicationTunnel\.protocol: unknown value 3; expected NONE \(0\), PROXY \(1\)/],
  ['application tunnel port 70000', workload('w', '10.0.0.1', { applicationTunnel: { port: 70000 } }), /workload\.applicationTunnel\.port: 70000 is not a port/],
  ['service without hostname', service('s', '10.96.0.1', { hostname: '' }), /service\.hostname: must not be empty/],
  ['service without namespace', service('s', '10.96.0.1', { namespace: '' }), /service\.namespace: must not be empty/],
  ['service VIP of 2 bytes', service('s', undefined, { addresses: [{ address: new Uint8Array(2) }] }), /service\.addresses\[0\]\.address: address has 2 bytes/],
  ['service VIP prefix /33', service('s', undefined, { addresses: [{ address: ipBytes('10.0.0.0'), length: 33 }] }), /service\.addresses\[0\]\.length: prefix \/33 is longer than 32 bits/],
  ['service port 0', service('s', '10.96.0.1', { ports: [{ servicePort: 0, targetPort: 80 }] }), /service\.ports\[0\]\.servicePort: 0 is not a port/],
  ['service port 65536', service('s', '10.96.0.1', { ports: [{ servicePort: 65536, targetPort: 80 }] }), /service\.ports\[0\]\.servicePort: 65536 is not a port/],
  ['UNSPECIFIED routing scope', service('s', '10.96.0.1', { loadBalancing: { routingPreference: [LoadBalancing_Scope.UNSPECIFIED_SCOPE] } }), /service\.loadBalancing\.routingPreference\[0\]: unknown value 0/],
  ['unknown load-balancing mode', service('s', '10.96.0.1', { loadBalancing: { mode: unknownEnum(9) } }), /service\.loadBalancing\.mode: unknown value 9/],
  ['unknown health policy', service('s', '10.96.0.1', { loadBalancing: { healthPolicy: unknownEnum(4) } }), /service\.loadBalancing\.healthPolicy: unknown value 4/],
  ['unknown visibility', service('s', '10.96.0.1', { visibility: unknownEnum(2) }), /service\.visibility: unknown value 2; expected PUBLIC \(0\), NAMESPACE \(1\)/],
  ['unknown IP families', service('s', '10.96.0.1', { ipFamilies: unknownEnum(9) }), /service\.ipFamilies: unknown value 9/],
  ['weighted waypoint without destination', service('s', '10.96.0.1', { weightedWaypoints: [{ weight: 10 }] }), /service\.weightedWaypoints\[0\]\.destination: must be set/],
  ['weighted waypoint with neither address nor hostname', service('s', '10.96.0.1', { weightedWaypoints: [{ destination: noDestination, weight: 1 }] }), /service\.weightedWaypoints\[0\]\.destination: gateway address has neither/],
  ['weighted waypoint with a 3-byte address', service('s', '10.96.0.1', { weightedWaypoints: [{ destination: { destination: { case: 'address', value: { address: new Uint8Array(3) } }, hboneMtlsPort: 15008 }, weight: 1 }] }), /service\.weightedWaypoints\[0\]\.destination\.address\.address: address has 3 bytes/],
  ['weighted waypoint on HBONE port 0', service('s', '10.96.0.1', { weightedWaypoints: [{ destination: { destination: { case: 'hostname', value: { namespace: 'ns', hostname: 'wp' } }, hboneMtlsPort: 0 }, weight: 1 }] }), /service\.weightedWaypoints\[0\]\.destination\.hboneMtlsPort: 0 is not a port/],
  ['service waypoint without destination', service('s', '10.96.0.1', { waypoint: noDestination }), /service\.waypoint: gateway address has neither/],
];

describe('rejected Address resources', () => {
  it.each(cases)('%s', (_label, address, reason) => {
    const state = new MeshState();
    const good = workload('good', '10.1.1.1');
    const rejections = state.applyAddresses(new Map([['bad', address], ['good', good]]), []);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]?.name).toBe('bad');
    expect(rejections[0]?.reason).toMatch(reason);
    expect(state.findWorkloadByUid('Kubernetes//Pod/default/good')?.name).toBe('good');
    expect(state.snapshot().workloads).toHaveLength(1);
    expect(state.snapshot().services).toHaveLength(0);
  });

  it('rejects an Address with neither a workload nor a service', () => {
    const state = new MeshState();
    expect(state.applyAddresses(new Map([['empty', create(AddressSchema)]]), [])).toEqual([
      { name: 'empty', reason: 'Address has neither a workload nor a service' },
    ]);
  });

  it('lists several problems of one resource, capped at five', () => {
    const bad = workload('w', undefined, { uid: '', addresses: Array.from({ length: 7 }, () => new Uint8Array(1)) });
    const [rejection] = new MeshState().applyAddresses(new Map([['bad', bad]]), []);
    expect(rejection?.reason.match(/address has 1 bytes/g)).toHaveLength(4);
    expect(rejection?.reason).toMatch(/and 3 more$/);
  });

  it('keeps the last good version when an update is rejected', () => {
    const state = new MeshState();
    const good = workload('w', '10.0.0.1');
    state.applyAddresses(batch(good), []);
    const bad = workload('w', '10.0.0.2', { tunnelProtocol: TunnelProtocol.LEGACY_ISTIO_MTLS });
    expect(state.applyAddresses(batch(bad), [])).toHaveLength(1);
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.0.1' })?.name).toBe('w');
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.0.2' })).toBeUndefined();
    expect(nameOf(bad)).toBe(nameOf(good));
  });
});
