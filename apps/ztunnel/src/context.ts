// What every part of the data path shares: the frozen config, the mesh state, telemetry and logs.
import type { Logger } from '@ambient/core';
import type { MeshState } from '@ambient/mesh-state';
import type { TcpMetrics } from '@ambient/telemetry';
import type { ZtunnelConfig } from './config.js';
import type { OriginalSource } from './capture/original-source.js';
import type { ConnectionRegistry } from './connections.js';
import type { CrlFile } from './crl.js';
import type { DnsProxy } from './dns/proxy.js';
import type { InboundTracker } from './inbound-tracker.js';
import type { LiveRevocation } from './live-revocation.js';
import type { OnDemandDns } from './on-demand-dns/resolver.js';
import type { OnDemandXds } from './on-demand-xds/fetcher.js';

export interface ProxyContext {
  readonly config: ZtunnelConfig;
  readonly state: MeshState;
  readonly metrics: TcpMetrics;
  /** The `proxy` module's logger: everything but the access log. */
  readonly log: Logger;
  /** The `access` module's logger: connection opened / complete / failed, one line per connection. */
  readonly accessLog: Logger;
  /** This ztunnel's network: the scope of every address lookup ('' as istiod's default). */
  readonly network: string;
  /** ztunnel's own ports: a connection to one of them on loopback would loop back into ztunnel. */
  readonly illegalPorts: readonly number[];
  readonly inbound: InboundTracker;
  /** Open connections for /config_dump; tests that do not look at them leave it out. */
  readonly connections?: ConnectionRegistry;
  /** Present with --dns-capture: the DNS proxy each served workload (or the node, in iptables capture) listens with. */
  readonly dns?: DnsProxy;
  /** iptables capture with transparent sockets: connections leave from the original source's address. */
  readonly originalSource?: OriginalSource;
  /** With --crl-path: the revocation lists every workload's TLS checks peers against. */
  readonly crl?: Pick<CrlFile, 'pem'>;
  /** With --crl-path: the HBONE sessions kept with their peers' chains, closed when a new list revokes one. */
  readonly revocation?: LiveRevocation;
  /** Resolves hostname-only endpoints (DNS ServiceEntries) when a connection picks one; absent in tests that need none. */
  readonly onDemandDns?: OnDemandDns;
  /** With --xds-on-demand: looks up what a connection lacks before it is planned. */
  readonly onDemandXds?: OnDemandXds;
}

/** Connect timeout towards apps and peers (ztunnel's CONNECTION_TIMEOUT). */
export const CONNECT_TIMEOUT_MS = 10_000;
/** How long a SOCKS5 client may take to say where it wants to go. */
export const SOCKS_HANDSHAKE_TIMEOUT_MS = 10_000;
