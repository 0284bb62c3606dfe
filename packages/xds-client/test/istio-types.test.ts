// Decoding and validating the two Istio resource types, including every rejection reason.
import { create } from '@bufbuild/protobuf';
import { anyPack, AnySchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL, AddressSchema, TunnelProtocol } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL, AuthorizationSchema } from '@ambient/api/security';
import { addressType, authorizationType } from '../src/index.js';
import { addressAny, garbageAddress, policy, workload, wrongTypeAny } from './fixtures.js';

const errorOf = (r: object) => ('error' in r ? (r as { error: string }).error : undefined);

describe('addressType', () => {
  it('decodes a workload and compares by content', () => {
    const r = addressType.decode(addressAny(workload('c//Pod/default/a', '10.0.0.1')));
    expect('value' in r && r.value.type.case).toBe('workload');
    if (!('value' in r)) return;
    expect(addressType.equal(r.value, workload('c//Pod/default/a', '10.0.0.1'))).toBe(true);
    expect(addressType.equal(r.value, workload('c//Pod/default/a', '10.0.0.2'))).toBe(false);
  });

  it.each([
    ['an Any of another type', wrongTypeAny(), /wrong type: expected .*istio.workload.Address, got .*istio.security.Authorization/],
    ['undecodable bytes', garbageAddress(), /undecodable istio.workload.Address/],
    ['an empty type URL', create(AnySchema, { value: new Uint8Array() }), /got \(empty\)/],
    ['LEGACY_ISTIO_MTLS', addressAny(workload('w', '10.0.0.1', { tunnelProtocol: TunnelProtocol.LEGACY_ISTIO_MTLS })), /unsupported tunnel protocol LEGACY_ISTIO_MTLS/],
    ['a 5-byte workload address', addressAny(create(AddressSchema, { type: { case: 'workload', value: { uid: 'w', addresses: [new Uint8Array(5)] } } })), /workload address of 5 bytes/],
    ['a 3-byte service address', addressAny(create(AddressSchema, { type: { case: 'service', value: { name: 's', addresses: [{ address: new Uint8Array(3) }] } } })), /service: address of 3 bytes/],
    ['a bad waypoint address', addressAny(create(AddressSchema, { type: { case: 'workload', value: { uid: 'w', waypoint: { destination: { case: 'address', value: { address: new Uint8Array(2) } } } } } })), /waypoint: address of 2 bytes/],
    ['neither workload nor service', addressAny(create(AddressSchema, {})), /neither a workload nor a service/],
  ])('rejects %s with a reason', (_what, any, reason) => {
    expect(errorOf(addressType.decode(any))).toMatch(reason);
  });

  it('accepts IPv6 and services with a hostname waypoint', () => {
    const svc = create(AddressSchema, { type: { case: 'service', value: { name: 's', addresses: [{ address: new Uint8Array(16) }], waypoint: { destination: { case: 'hostname', value: { hostname: 'wp' } } } } } });
    expect(errorOf(addressType.decode(addressAny(svc)))).toBeUndefined();
  });
});

describe('authorizationType', () => {
  it('decodes the wire message', () => {
    const r = authorizationType.decode(anyPack(AuthorizationSchema, policy('default', 'allow-8080')));
    expect('value' in r && r.value.name).toBe('allow-8080');
  });

  it('rejects undecodable bytes and the wrong type', () => {
    expect(errorOf(authorizationType.decode(create(AnySchema, { typeUrl: AUTHORIZATION_TYPE_URL, value: Uint8Array.of(0x2a, 0x05, 1) })))).toMatch(/undecodable istio.security.Authorization/);
    expect(errorOf(authorizationType.decode(addressAny(workload('w', '10.0.0.1'))))).toMatch(new RegExp(`got ${ADDRESS_TYPE_URL}`));
  });
});
