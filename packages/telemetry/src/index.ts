// @ambient/telemetry: Istio's TCP metrics (names, labels, value conventions) over OpenTelemetry, and access-log records.
export { createMetricsEndpoint, METRICS_PATHS } from './endpoint.js';
export type { BuildInfo, MetricsEndpoint, MetricsEndpointOptions } from './endpoint.js';
export { TcpMetrics } from './tcp-metrics.js';
export { DnsMetrics } from './dns-metrics.js';
export type { DnsRequestLabels } from './dns-metrics.js';
export { XdsMetrics } from './xds-metrics.js';
export { CrlMetrics } from './crl-metrics.js';
export { OnDemandDnsMetrics, onDemandDnsLabels } from './on-demand-dns-metrics.js';
export type { OnDemandDnsLabels } from './on-demand-dns-metrics.js';
export type { XdsTerminationReason } from './xds-metrics.js';
export type { TcpSeries } from './series.js';
export { TcpConnection } from './connection.js';
export type { CloseOutcome, ConnectionAddresses } from './connection.js';
export { tcpConnectionLabels, withResponseFlags, UNKNOWN } from './labels.js';
export type {
  ConnectionInfo,
  DerivedSource,
  LabelledService,
  LabelledWorkload,
  Reporter,
  ResponseFlag,
  SecurityPolicy,
  SourceLabels,
  TcpConnectionLabels,
} from './labels.js';
export {
  accessLogRecord,
  earlyDenyRecord,
  formatSocketAddress,
  ACCESS_LOG_COMPLETE,
  ACCESS_LOG_FAILED,
  ACCESS_LOG_OPENED,
} from './access-log.js';
export type { AccessLogInput, AccessLogRecord, SocketAddress } from './access-log.js';
export { TelemetryError } from './errors.js';
export type { TelemetryErrorCode } from './errors.js';
