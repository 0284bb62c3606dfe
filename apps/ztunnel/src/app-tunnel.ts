// The first bytes an application_tunnel with protocol PROXY gets: a PROXY v2 header naming the original source
// (the HBONE peer), the CONNECT target and the peer's SPIFFE identity, before any tunnelled byte.
import type { Socket } from 'node:net';
import type { AppTunnelPlan } from './plan/app-tunnel.js';
import { canonicalIp } from './plan/net.js';
import { istioProxyHeader } from './proxy-protocol.js';

/** Writes the header when the plan asks for PROXY; destroys the socket and throws if no header can be built. */
export function sendProxyHeader(upstream: Socket, tunnel: AppTunnelPlan | undefined, src: { address: string; port: number }, peerIdentity: string | undefined): void {
  if (tunnel?.protocol !== 'PROXY') return;
  try {
    const source = { address: canonicalIp(src.address) ?? src.address, port: src.port };
    upstream.write(istioProxyHeader(source, { address: tunnel.tunnelTarget.host, port: tunnel.tunnelTarget.port }, peerIdentity));
  } catch (err) {
    upstream.destroy();
    throw err;
  }
}
