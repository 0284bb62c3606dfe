// Runs a double-HBONE plan: the outer CONNECT to the network gateway on the workload's pooled client, the inner
// TLS session and CONNECT inside it (never pooled, so the gateway can balance each connection), with
// x-forwarded-network on the inner request only.
import type { ClientHttp2Stream } from 'node:http2';
import type { HboneClient } from '@ambient/hbone';
import type { DoubleHbonePlan } from './plan/double-hbone.js';

export function connectThroughGateway(client: HboneClient, plan: DoubleHbonePlan, sourceIp: string): Promise<ClientHttp2Stream> {
  return client.connectDouble({
    gateway: { nextHop: plan.gateway.nextHop, authority: plan.authority, expectedIdentities: plan.gateway.expectedIdentities, sourceIp },
    inner: { authority: plan.authority, expectedIdentities: plan.expectedIdentities, forwardedNetwork: plan.forwardedNetwork },
  });
}
