// TLS credentials and call metadata as istiod and ztunnel use them on port 15012.
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { credentials, Metadata, ServerCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';

/** Istio's limit for a decoded xDS message (200 MiB). */
export const MAX_MESSAGE_BYTES = 200 * 1024 * 1024;

export const DEFAULT_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

export interface ServerTls {
  readonly certChainPem: string;
  readonly keyPem: string;
  /** When set, clients may present certificates chaining to it (verified, not required). */
  readonly clientRootPem?: string;
}

export function serverCredentials(tls: ServerTls): ServerCredentials {
  return ServerCredentials.createSsl(
    tls.clientRootPem ? Buffer.from(tls.clientRootPem) : null,
    [{ cert_chain: Buffer.from(tls.certChainPem), private_key: Buffer.from(tls.keyPem) }],
    false,
  );
}

export interface ChannelTls {
  /** Trust anchor for the server's certificate. */
  readonly rootPem: string;
  /** Name checked against the server certificate when the dialled host is an IP without that SAN. */
  readonly serverName?: string;
  /** A client certificate to present (the CA accepts one in place of a token). */
  readonly client?: { readonly keyPem: string; readonly certChainPem: string };
}

/**
 * The TLS server name sent when a channel dials an IP address and no `serverName` is given: an IP is not a valid
 * server name (RFC 6066; Node warns with DEP0123 on every process that sends one), so the channel names istiod as
 * ztunnel does in a cluster, while the certificate is still checked against the IP that was dialled.
 */
export const IP_TARGET_SERVER_NAME = 'istiod.istio-system.svc';

/** Credentials for a channel to `address` (host:port), which decides what the server certificate is checked against. */
export function channelCredentials(tls: ChannelTls, address?: string): ChannelCredentials {
  const ip = tls.serverName === undefined && address !== undefined ? ipHost(address) : undefined;
  return credentials.createSsl(
    Buffer.from(tls.rootPem),
    tls.client ? Buffer.from(tls.client.keyPem) : null,
    tls.client ? Buffer.from(tls.client.certChainPem) : null,
    // grpc-js calls this with the server name it sent; an IP target is checked by its IP SANs.
    ip ? { checkServerIdentity: (_name: string, cert: PeerCertificate) => checkServerIdentity(ip, cert) } : undefined,
  );
}

/** Channel options for `address`: the pinned server name (Istio's ALT_XDS_HOSTNAME), or istiod's for an IP. */
export function channelOptions(tls: ChannelTls, address?: string): ChannelOptions {
  if (tls.serverName) {
    return { ...DEFAULT_CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName };
  }
  if (address !== undefined && ipHost(address)) return { ...DEFAULT_CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': IP_TARGET_SERVER_NAME };
  return DEFAULT_CHANNEL_OPTIONS;
}

/** The host of `host:port` or `[v6]:port` when it is an IP literal. */
function ipHost(address: string): string | undefined {
  const host = address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.slice(0, address.lastIndexOf(':'));
  return isIP(host) !== 0 ? host : undefined;
}

/**
 * `authorization: Bearer <token>` and `clusterid`, as ztunnel sends on every xDS and CA call, after any `extra`
 * headers (Istio's XDS_HEADER_* / CA_HEADER_*; check them with headerProblem, ours win on a clash).
 */
export function callMetadata(token: string | undefined, clusterId?: string, extra: Readonly<Record<string, string>> = {}): Metadata {
  const md = new Metadata();
  for (const [name, value] of Object.entries(extra)) md.set(name, value);
  if (token) md.set('authorization', `Bearer ${token.trim()}`);
  if (clusterId) md.set('clusterid', clusterId);
  return md;
}

/** Headers that gRPC, HTTP/2 or callMetadata itself set: an extra header may not replace them. */
const RESERVED_HEADERS = new Set(['authorization', 'clusterid', 'content-type', 'te', 'user-agent', 'host']);

/**
 * What is wrong with `name: value` as an extra header on xDS or CA calls, or undefined when it may be sent: a gRPC
 * ASCII metadata key (lower-case letters, digits, '-', '_', '.'; not `grpc-*`, not binary `*-bin`, not one we set)
 * and a value of printable ASCII.
 */
export function headerProblem(name: string, value: string): string | undefined {
  if (!/^[0-9a-z_.-]+$/.test(name)) return `header name "${name}" must be lower-case letters, digits, '-', '_' or '.'`;
  if (name.startsWith('grpc-')) return `header name "${name}" is reserved for gRPC (grpc-*)`;
  if (name.endsWith('-bin')) return `header name "${name}" would be a binary header (*-bin); only text headers can be given`;
  if (RESERVED_HEADERS.has(name)) return `header "${name}" is set by ztunnel or gRPC itself and cannot be replaced`;
  if (!/^[\x20-\x7e]*$/.test(value)) return `header "${name}" has a value with characters outside printable ASCII`;
  return undefined;
}

/** The bearer token of a call, or undefined when there is none or it is malformed. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}
