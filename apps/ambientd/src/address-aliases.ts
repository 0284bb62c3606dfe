// The other keys each Address is served under, for ztunnels that look addresses up on demand (Istio's
// XDS_ON_DEMAND, reference §3.4): a workload under `<network>/<ip>` of each of its addresses, a service under
// `<network>/<vip>` of each VIP (`<network>/<ip>/<len>` for a CIDR range); and a workload also under each of its
// services' names and VIP keys, so that a lookup of a service by VIP or by `<namespace>/<hostname>` returns the
// service with its workloads, as istiod's does.
import type { Address } from '@ambient/api/workload';
import { ipText } from '@ambient/mesh-config';

export function addressAliases(addresses: ReadonlyMap<string, Address>): Map<string, string[]> {
  const vipKeys = new Map<string, string[]>();
  for (const [name, address] of addresses) {
    if (address.type.case !== 'service') continue;
    vipKeys.set(name, address.type.value.addresses.flatMap((a) => vipKey(a) ?? []));
  }
  const out = new Map<string, string[]>();
  for (const [name, address] of addresses) {
    const aliases =
      address.type.case === 'service' ? (vipKeys.get(name) ?? [])
      : address.type.case === 'workload' ? workloadAliases(address.type.value, vipKeys)
      : [];
    if (aliases.length > 0) out.set(name, [...new Set(aliases)].filter((a) => a !== name));
  }
  return out;
}

type NetworkAddress = Extract<Address['type'], { case: 'service' }>['value']['addresses'][number];

/**
 * `<network>/<ip>`, or for a CIDR VIP (`length` below the address size) `<network>/<ip>/<len>`, as istiod keys
 * service addresses (reference §3.4). A prefix as long as the address is one address and keeps the plain key;
 * address bytes that are no IP (neither 4 nor 16) give no key.
 */
export function vipKey(a: NetworkAddress): string | undefined {
  const text = ipText(a.address);
  if (text === '') return undefined;
  return a.length !== undefined && a.length < a.address.length * 8 ? `${a.network}/${text}/${a.length}` : `${a.network}/${text}`;
}

type Workload = Extract<Address['type'], { case: 'workload' }>['value'];

function workloadAliases(workload: Workload, vipKeys: ReadonlyMap<string, string[]>): string[] {
  const own = workload.addresses.map((ip) => `${workload.network}/${ipText(ip)}`);
  const services = Object.keys(workload.services).flatMap((service) => [service, ...(vipKeys.get(service) ?? [])]);
  return [...own, ...services];
}
