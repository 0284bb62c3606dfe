// The DeltaDiscoveryRequests the client sends: the per-type opener, ACK/NACK, and on-demand (un)subscriptions.
import { create } from '@bufbuild/protobuf';
import { DeltaDiscoveryRequestSchema, type DeltaDiscoveryRequest, type Node } from '@ambient/api/xds';

/** google.rpc.Code INVALID_ARGUMENT: the resources did not validate. */
const NACK_CODE = 3;

export interface Opener {
  readonly node: Node;
  readonly typeUrl: string;
  readonly onDemand: boolean;
  /** Names demanded so far (on-demand mode) to resubscribe after a reconnect. */
  readonly names: readonly string[];
  readonly initialVersions: Record<string, string>;
}

/**
 * Wildcard: an empty subscribe list. On-demand: subscribe and unsubscribe `*` in the same message (subscribe to
 * nothing), plus the names already demanded.
 */
export function openerRequest(o: Opener): DeltaDiscoveryRequest {
  return create(DeltaDiscoveryRequestSchema, {
    node: o.node,
    typeUrl: o.typeUrl,
    resourceNamesSubscribe: o.onDemand ? ['*', ...o.names] : [],
    resourceNamesUnsubscribe: o.onDemand ? ['*'] : [],
    initialResourceVersions: o.initialVersions,
  });
}

export function ackRequest(typeUrl: string, nonce: string, nack?: string): DeltaDiscoveryRequest {
  return create(DeltaDiscoveryRequestSchema, {
    typeUrl,
    responseNonce: nonce,
    ...(nack === undefined ? {} : { errorDetail: { code: NACK_CODE, message: nack } }),
  });
}

export function subscriptionRequest(typeUrl: string, subscribe: readonly string[], unsubscribe: readonly string[]): DeltaDiscoveryRequest {
  return create(DeltaDiscoveryRequestSchema, {
    typeUrl,
    resourceNamesSubscribe: [...subscribe],
    resourceNamesUnsubscribe: [...unsubscribe],
  });
}
