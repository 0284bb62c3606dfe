// Builders for the resources the tests serve: workloads, services and policies as istiod would send them.
import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack, AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { ADDRESS_TYPE_URL, AddressSchema, TunnelProtocol, type Address } from '@ambient/api/workload';
import { AuthorizationSchema, type Authorization } from '@ambient/api/security';

export function workload(uid: string, ip: string, extra: { node?: string; tunnelProtocol?: TunnelProtocol } = {}): Address {
  return create(AddressSchema, {
    type: {
      case: 'workload',
      value: {
        uid,
        name: uid.split('/').pop() ?? uid,
        namespace: 'default',
        addresses: [Uint8Array.from(ip.split('.').map(Number))],
        tunnelProtocol: extra.tunnelProtocol ?? TunnelProtocol.HBONE,
        node: extra.node ?? 'node-a',
      },
    },
  });
}

export function policy(namespace: string, name: string): Authorization {
  return create(AuthorizationSchema, { name, namespace, groups: [{ rules: [{ matches: [{ destinationPorts: [8080] }] }] }] });
}

export const addressAny = (a: Address): Any => anyPack(AddressSchema, a);

/** An Any claiming to be an Address whose bytes are not one. */
export const garbageAddress = (): Any => create(AnySchema, { typeUrl: ADDRESS_TYPE_URL, value: Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]) });

/** A valid Authorization packed under the Address type URL's neighbour: the wrong type for the stream. */
export const wrongTypeAny = (): Any => anyPack(AuthorizationSchema, policy('default', 'p'));

export const encodedWorkloadSize = (a: Address): number => toBinary(AddressSchema, a).length;
