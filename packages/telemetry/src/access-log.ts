// The access-log fields ztunnel writes per connection (target "access"), as a flat object for pino.
import { UNKNOWN, type TcpConnectionLabels } from './labels.js';

export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

export interface AccessLogInput {
  readonly labels: TcpConnectionLabels;
  readonly src: SocketAddress;
  /** For inbound HBONE, the address the peer dialled (podIP:15008); `hbone` is then the CONNECT target. */
  readonly dst: SocketAddress;
  readonly hbone?: SocketAddress;
  readonly srcWorkload?: string;
  readonly dstWorkload?: string;
  /** Totals by direction; absent in the "connection opened" record. */
  readonly bytes?: { readonly request: number; readonly response: number };
  readonly durationMs?: number;
  readonly error?: string;
}

export type AccessLogRecord = Record<string, string | number>;

/** The message ztunnel logs the record under: at info when clean, at error when the record has `error`. */
export const ACCESS_LOG_COMPLETE = 'connection complete';
export const ACCESS_LOG_OPENED = 'connection opened';

/** `ip:port`, with brackets around IPv6 as Rust's SocketAddr prints it. */
export function formatSocketAddress({ address, port }: SocketAddress): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * One connection's access-log fields (reference §1.12). Unknown values are left out rather than written as
 * "unknown", identities appear only under mutual TLS, and bytes are from the reporting proxy's point of view
 * (ztunnel un-flips Istio's source-reporter metric convention in its logs).
 */
export function accessLogRecord(input: AccessLogInput): AccessLogRecord {
  const l = input.labels;
  const mtls = l.connection_security_policy === 'mutual_tls';
  const record: AccessLogRecord = {};
  const put = (key: string, value: string | number | undefined): void => {
    if (value !== undefined && value !== UNKNOWN && value !== '') record[key] = value;
  };
  put('src.addr', formatSocketAddress(input.src));
  put('src.workload', input.srcWorkload || l.source_canonical_service);
  put('src.namespace', l.source_workload_namespace);
  put('src.identity', mtls ? l.source_principal : undefined);
  put('src.cluster', l.source_cluster);
  put('dst.addr', formatSocketAddress(input.dst));
  put('dst.hbone_addr', input.hbone && formatSocketAddress(input.hbone));
  put('dst.service', l.destination_service);
  put('dst.workload', input.dstWorkload || l.destination_canonical_service);
  put('dst.namespace', l.destination_workload_namespace);
  put('dst.identity', mtls ? l.destination_principal : undefined);
  put('dst.cluster', l.destination_cluster);
  const outbound = l.reporter === 'source';
  put('direction', outbound ? 'outbound' : 'inbound');
  if (input.bytes) {
    put('bytes_sent', outbound ? input.bytes.request : input.bytes.response);
    put('bytes_recv', outbound ? input.bytes.response : input.bytes.request);
  }
  if (input.durationMs !== undefined) put('duration', `${Math.max(0, Math.floor(input.durationMs))}ms`);
  put('error', input.error);
  return record;
}

/** The message of a connection refused before it had labels (ztunnel's log_early_deny, logged at warn). */
export const ACCESS_LOG_FAILED = 'connection failed';

/** Fields for a connection refused before the proxy knew enough for labels or metrics. */
export function earlyDenyRecord(reporter: TcpConnectionLabels['reporter'], src: SocketAddress, dst: SocketAddress, error: string): AccessLogRecord {
  return {
    'src.addr': formatSocketAddress(src),
    'dst.addr': formatSocketAddress(dst),
    direction: reporter === 'source' ? 'outbound' : 'inbound',
    error,
  };
}
