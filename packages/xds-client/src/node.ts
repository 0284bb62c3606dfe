// The xDS Node ztunnel presents to istiod (reference §3.3): the id istiod derives the proxy type from, and metadata.
import { create, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { NodeSchema, type Node } from '@ambient/api/xds';
import { XdsClientError } from './errors.js';

export interface NodeOptions {
  /** Kubernetes node the proxy serves (`NODE_NAME`). */
  readonly nodeName: string;
  readonly podName: string;
  readonly podNamespace: string;
  /** The proxy's own addresses; the first goes into the node id. */
  readonly instanceIps?: readonly string[];
  /** Also sent as the `clusterid` header; in metadata as `CLUSTER_ID`, which istiod reads for proxies. */
  readonly clusterId?: string;
  /** Extra metadata (Istio's proxyMetadata and `ISTIO_METAJSON_*` values); overrides nothing set above. */
  readonly metadata?: Readonly<Record<string, JsonValue>>;
}

/** Istio's placeholder when the proxy knows no instance IP. */
const NO_IP = '1.1.1.1';

/** `ztunnel~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`, from which istiod infers the ztunnel node type. */
export function nodeId(options: NodeOptions): string {
  const ip = options.instanceIps?.[0] ?? NO_IP;
  return `ztunnel~${ip}~${options.podName}.${options.podNamespace}~${options.podNamespace}.svc.cluster.local`;
}

export function buildNode(options: NodeOptions): Node {
  for (const key of ['nodeName', 'podName', 'podNamespace'] as const) {
    if (!options[key]) throw new XdsClientError('XDS_CLIENT_ERR_BAD_OPTIONS', `node option ${key} is empty: set it to identify this proxy to the control plane`);
  }
  const metadata: JsonObject = {
    ...options.metadata,
    NAME: options.podName,
    NAMESPACE: options.podNamespace,
    INSTANCE_IPS: (options.instanceIps ?? []).join(','),
    NODE_NAME: options.nodeName,
  };
  if (options.clusterId) metadata['CLUSTER_ID'] = options.clusterId;
  return create(NodeSchema, { id: nodeId(options), metadata });
}

/**
 * Node metadata from an env-like map as Istio's agent reads it: `ISTIO_META_<K>` as a string and
 * `ISTIO_METAJSON_<K>` parsed as JSON. The caller passes its config map; nothing here reads process.env.
 */
export function metadataFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (key.startsWith('ISTIO_METAJSON_')) {
      try {
        out[key.slice('ISTIO_METAJSON_'.length)] = JSON.parse(value) as JsonValue;
      } catch {
        throw new XdsClientError('XDS_CLIENT_ERR_BAD_OPTIONS', `${key} is not valid JSON: fix or remove it`);
      }
    } else if (key.startsWith('ISTIO_META_')) {
      out[key.slice('ISTIO_META_'.length)] = value;
    }
  }
  return out;
}
