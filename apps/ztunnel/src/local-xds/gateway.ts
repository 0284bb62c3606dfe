// A waypoint or network gateway in a local xDS file, as ztunnel's GatewayAddress: `destination` is
// "network/IP" when the part after the slash is an IP address, else "namespace/hostname".
import { create } from '@bufbuild/protobuf';
import { GatewayAddressSchema, type GatewayAddress } from '@ambient/api/workload';
import { parseIp } from '@ambient/l4-authz';
import { describe, fieldPath, type FieldReader } from './fields.js';

export function gatewayAddress(f: FieldReader, value: unknown, path: string): GatewayAddress | undefined {
  const m = f.mapping(value, path, ['destination', 'hboneMtlsPort']);
  if (m === undefined) return undefined;
  const destPath = fieldPath(path, 'destination');
  const dest = m['destination'];
  const hboneMtlsPort = m['hboneMtlsPort'] === undefined ? 0 : (f.port(m['hboneMtlsPort'], fieldPath(path, 'hboneMtlsPort')) ?? 0);
  const slash = typeof dest === 'string' ? dest.indexOf('/') : -1;
  if (typeof dest !== 'string' || slash < 0) {
    f.problem(destPath, dest === undefined ? 'is required ("network/IP" or "namespace/hostname")' : `${describe(dest)} is not "network/IP" or "namespace/hostname"`);
    return undefined;
  }
  if (parseIp(dest.slice(slash + 1)) !== undefined) {
    const address = f.networkAddress(dest, destPath);
    return address && create(GatewayAddressSchema, { destination: { case: 'address', value: address }, hboneMtlsPort });
  }
  const [namespace, hostname] = [dest.slice(0, slash), dest.slice(slash + 1)];
  if (namespace === '' || hostname === '') {
    f.problem(destPath, `${describe(dest)} is not "network/IP" or "namespace/hostname"`);
    return undefined;
  }
  return create(GatewayAddressSchema, { destination: { case: 'hostname', value: { namespace, hostname } }, hboneMtlsPort });
}
