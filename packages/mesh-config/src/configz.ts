// The JSON view of what is served, for ambientd's /debug/configz: readable addresses and names, not protobuf bytes.
import type { Authorization } from '@ambient/api/security';
import { AppProtocol, TunnelProtocol, type Address, type GatewayAddress } from '@ambient/api/workload';
import { ipText } from './ip.js';

export interface Configz {
  readonly workloads: readonly unknown[];
  readonly services: readonly unknown[];
  readonly authorizations: readonly string[];
  /** Objects served from their last good version because the current one is rejected. */
  readonly retained: readonly string[];
  readonly problems: number;
}

export function buildConfigz(addresses: ReadonlyMap<string, Address>, authorizations: ReadonlyMap<string, Authorization>, retained: readonly string[], problems: number): Configz {
  const workloads: unknown[] = [];
  const services: unknown[] = [];
  for (const [name, a] of addresses) {
    if (a.type.case === 'workload') {
      const w = a.type.value;
      workloads.push({
        name, workloadName: w.name, namespace: w.namespace, addresses: w.addresses.map(ipText), ...(w.hostname === '' ? {} : { hostname: w.hostname }), network: w.network, node: w.node,
        serviceAccount: w.serviceAccount, protocol: TunnelProtocol[w.tunnelProtocol], waypoint: gatewayText(w.waypoint),
        services: Object.keys(w.services), authorizationPolicies: w.authorizationPolicies,
      });
    } else if (a.type.case === 'service') {
      const s = a.type.value;
      services.push({
        name, hostname: s.hostname, vips: s.addresses.map((v) => (v.length === undefined ? ipText(v.address) : `${ipText(v.address)}/${v.length}`)),
        ports: s.ports.map((p) => `${p.servicePort}→${p.targetPort || p.servicePort}/${AppProtocol[p.appProtocol]}`), waypoint: gatewayText(s.waypoint),
      });
    }
  }
  return { workloads, services, authorizations: [...authorizations.keys()], retained, problems };
}

function gatewayText(g: GatewayAddress | undefined): string | undefined {
  if (g === undefined) return undefined;
  const d = g.destination;
  const host = d.case === 'address' ? ipText(d.value.address) : d.case === 'hostname' ? `${d.value.namespace}/${d.value.hostname}` : '';
  return `${host}:${g.hboneMtlsPort}`;
}
