// Resources the server tests serve.
import { create } from '@bufbuild/protobuf';
import { AddressSchema, type Address } from '@ambient/api/workload';

export function workload(uid: string, ip: number, hostname = ''): Address {
  return create(AddressSchema, { type: { case: 'workload', value: { uid, name: uid, namespace: 'default', hostname, addresses: [Uint8Array.of(10, 0, 0, ip)] } } });
}

export const nameOf = (r: { name: string }) => r.name;
