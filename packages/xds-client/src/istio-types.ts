// The two resource types ztunnel subscribes to: istio.workload.Address and istio.security.Authorization.
import { equals, fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import {
  ADDRESS_TYPE_URL,
  AddressSchema,
  TunnelProtocol,
  type Address,
  type GatewayAddress,
  type NetworkAddress,
} from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL, AuthorizationSchema, type Authorization } from '@ambient/api/security';
import type { DecodeResult, ResourceType } from './resource-type.js';

/** Unpacks an Any of the expected type URL, reporting a wrong type or undecodable bytes as a reason. */
export function unpackAny<D extends DescMessage>(any: Any, typeUrl: string, schema: D): DecodeResult<MessageShape<D>> {
  if (any.typeUrl !== typeUrl) return { error: `wrong type: expected ${typeUrl}, got ${any.typeUrl || '(empty)'}` };
  try {
    return { value: fromBinary(schema, any.value) };
  } catch (err) {
    return { error: `undecodable ${schema.typeName}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function badIpLength(bytes: Uint8Array): boolean {
  return bytes.length !== 4 && bytes.length !== 16;
}

function checkNetworkAddress(where: string, addr: NetworkAddress | undefined): string | undefined {
  if (addr && badIpLength(addr.address)) return `${where}: address of ${addr.address.length} bytes (want 4 or 16)`;
  return undefined;
}

function checkGateway(where: string, gw: GatewayAddress | undefined): string | undefined {
  return gw?.destination.case === 'address' ? checkNetworkAddress(where, gw.destination.value) : undefined;
}

/** Why ztunnel would refuse this Address, or undefined when it is usable. */
export function addressProblem(address: Address): string | undefined {
  const t = address.type;
  if (t.case === 'workload') {
    const w = t.value;
    if (w.tunnelProtocol === TunnelProtocol.LEGACY_ISTIO_MTLS) return 'unsupported tunnel protocol LEGACY_ISTIO_MTLS';
    const bad = w.addresses.find(badIpLength);
    if (bad) return `workload address of ${bad.length} bytes (want 4 or 16)`;
    return checkGateway('waypoint', w.waypoint) ?? checkGateway('network gateway', w.networkGateway);
  }
  if (t.case === 'service') {
    for (const a of t.value.addresses) {
      const problem = checkNetworkAddress('service', a);
      if (problem) return problem;
    }
    return checkGateway('waypoint', t.value.waypoint);
  }
  return 'address is neither a workload nor a service';
}

export const addressType: ResourceType<Address> = {
  typeUrl: ADDRESS_TYPE_URL,
  decode(any) {
    const result = unpackAny(any, ADDRESS_TYPE_URL, AddressSchema);
    if ('error' in result) return result;
    const problem = addressProblem(result.value);
    return problem ? { error: problem } : result;
  },
  equal: (a, b) => equals(AddressSchema, a, b),
};

/** The wire message only; @ambient/l4-authz registers a stricter decode that converts to its policy model. */
export const authorizationType: ResourceType<Authorization> = {
  typeUrl: AUTHORIZATION_TYPE_URL,
  decode: (any) => unpackAny(any, AUTHORIZATION_TYPE_URL, AuthorizationSchema),
  equal: (a, b) => equals(AuthorizationSchema, a, b),
};
