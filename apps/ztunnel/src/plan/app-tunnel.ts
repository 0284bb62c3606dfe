// Inbound for a workload with an application_tunnel (ztunnel find_inbound_upstream, reference §1.4 steps 4, 7, 8):
// where the connection goes (the tunnel port, on loopback for PROXY so only ztunnel can reach it) and which
// address the PROXY header names as destination — the HBONE target, or for a hostname target a VIP of the service.
import type { ApplicationTunnel, ServiceRecord } from '@ambient/mesh-state';
import { canonicalIp, isLoopback } from './net.js';

export interface AppTunnelPlan {
  readonly protocol: ApplicationTunnel['protocol'];
  /** The destination a PROXY header carries: the CONNECT target as an address. */
  readonly tunnelTarget: { readonly host: string; readonly port: number };
}

export interface AppTunnelRoute {
  /** Where to connect: the tunnel port (or the target port when it is 0); loopback when the protocol is PROXY. */
  readonly upstream: { readonly host: string; readonly port: number };
  readonly appTunnel: AppTunnelPlan;
}

export interface AppTunnelInput {
  readonly tunnel: ApplicationTunnel;
  /** The local workload's address the client dialled (canonical). */
  readonly dialled: string;
  readonly targetPort: number;
  readonly authority: { readonly host: string; readonly port: number };
  /** The service a hostname authority named (already resolved by the caller). */
  readonly service?: ServiceRecord;
  readonly network: string;
}

/** The route, or the reason for a 503 when a hostname target's service has no address to put in the header. */
export function routeAppTunnel(input: AppTunnelInput): AppTunnelRoute | string {
  const { tunnel, dialled, authority } = input;
  const port = tunnel.port === 0 ? input.targetPort : tunnel.port;
  // PROXY is only ever sent to loopback, so nothing but ztunnel can hand the app a forged header. In loopback
  // capture the workload's own 127.x address is its loopback.
  const host = tunnel.protocol !== 'PROXY' || isLoopback(dialled) ? dialled : dialled.includes(':') ? '::1' : '127.0.0.1';
  const ip = canonicalIp(authority.host);
  let target: string | undefined = ip;
  if (target === undefined) {
    target = input.service === undefined ? undefined : vipFor(input.service, input.network);
    if (target === undefined) return `service ${input.service?.key ?? authority.host} has no address to name in a PROXY header`;
  }
  return { upstream: { host, port }, appTunnel: { protocol: tunnel.protocol, tunnelTarget: { host: target, port: authority.port } } };
}

/** ztunnel's choice for a hostname target: a VIP on this network, IPv4 first; else any VIP. */
function vipFor(service: ServiceRecord, network: string): string | undefined {
  let best: { ip: string; score: number } | undefined;
  for (const v of service.vips) {
    const score = v.network === network ? (v.ip.includes(':') ? 1 : 2) : 0;
    if (best === undefined || score > best.score) best = { ip: v.ip, score };
  }
  return best?.ip;
}
