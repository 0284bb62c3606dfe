// The xDS side of ztunnel: one delta ADS stream to the control plane for Address and Authorization, each
// response applied to MeshState as one batch, its rejections returned for the NACK. With --xds-on-demand, Address
// is looked up key by key (on-demand-xds/).
import { readFileSync } from 'node:fs';
import type { Logger } from '@ambient/core';
import type { Authorization } from '@ambient/api/security';
import type { Address } from '@ambient/api/workload';
import type { MeshState, Rejection } from '@ambient/mesh-state';
import { XdsClient, addressType, authorizationType, type Batch, type XdsObserver } from '@ambient/xds-client';
import type { ZtunnelConfig } from './config.js';

/** Sent as `ISTIO_VERSION` metadata, which the control plane shows as the proxy's version (proxy-status); istio_build's tag. */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** ztunnel runs as istio-system/ztunnel; its pod name only labels it in the control plane's status. */
export const PROXY_NAMESPACE = 'istio-system';

/**
 * `observer` hears every response and stream ending (the istio_xds_* metrics). Undefined when `--xds-address ''`
 * turned xDS off, as Istio's XDS_ADDRESS="".
 */
export function connectXds(config: ZtunnelConfig, state: MeshState, rootPem: string, log: Logger, observer?: XdsObserver): XdsClient | undefined {
  const address = config.xdsAddress;
  if (address === undefined) return undefined;
  return new XdsClient({
    address: `${formatHost(address.host)}:${address.port}`,
    tls: { rootPem },
    // Read at every (re)connect, so a rotated token file is picked up.
    token: () => readFileSync(config.tokenFile, 'utf8').trim(),
    node: { nodeName: config.node, podName: `ztunnel-${config.node}`, podNamespace: PROXY_NAMESPACE, clusterId: config.clusterId, metadata: { ISTIO_VERSION: VERSION, ...(config.network ? { NETWORK: config.network } : {}) } },
    // On demand (Istio's XDS_ON_DEMAND) only Address is looked up name by name; readiness then waits for Authorization.
    types: [{ type: addressType, onDemand: config.xdsOnDemand }, { type: authorizationType }],
    onBatch: (batch) => applyBatch(state, batch),
    logger: log,
    headers: config.xdsHeaders,
    ...(observer ? { observer } : {}),
  });
}

/** One response → one MeshState write; the rejected names and reasons go back in the NACK. */
export function applyBatch(state: MeshState, batch: Batch): Map<string, string> {
  let rejections: Rejection[];
  if (batch.typeUrl === addressType.typeUrl) {
    rejections = state.applyAddresses(new Map(batch.changed.map((c) => [c.name, c.value as Address])), batch.removed);
  } else if (batch.typeUrl === authorizationType.typeUrl) {
    rejections = state.applyAuthorizations(new Map(batch.changed.map((c) => [c.name, c.value as Authorization])), batch.removed);
  } else {
    rejections = batch.changed.map((c) => ({ name: c.name, reason: `ztunnel does not use ${batch.typeUrl}` }));
  }
  return new Map(rejections.map((r) => [r.name, r.reason]));
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
