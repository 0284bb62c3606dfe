// TLS credentials and call metadata as istiod and ztunnel use them on port 15012.
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
}

export function channelCredentials(tls: ChannelTls): ChannelCredentials {
  return credentials.createSsl(Buffer.from(tls.rootPem));
}

/** Channel options that pin the TLS server name (Istio's ALT_XDS_HOSTNAME). */
export function channelOptions(tls: ChannelTls): ChannelOptions {
  return tls.serverName
    ? { ...DEFAULT_CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName }
    : DEFAULT_CHANNEL_OPTIONS;
}

/** `authorization: Bearer <token>` and `clusterid`, as ztunnel sends on every xDS and CA call. */
export function callMetadata(token: string | undefined, clusterId?: string): Metadata {
  const md = new Metadata();
  if (token) md.set('authorization', `Bearer ${token.trim()}`);
  if (clusterId) md.set('clusterid', clusterId);
  return md;
}

/** The bearer token of a call, or undefined when there is none or it is malformed. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}
