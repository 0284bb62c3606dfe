// One label set's running totals, shared by the counters' read-out and the live connections counting into it.
import type { TcpConnectionLabels } from './labels.js';

/** Running totals of one label set; `has*` says whether ztunnel would have created that series yet. */
export interface TcpSeries {
  readonly labels: TcpConnectionLabels;
  opened: number;
  closed: number;
  /** Client → server bytes: istio_tcp_received_bytes_total ("received during request"). */
  requestBytes: number;
  /** Server → client bytes: istio_tcp_sent_bytes_total ("sent during response"). */
  responseBytes: number;
  /** Closes with a response flag other than `-`: istio_tcp_connections_failed_total. */
  failed: number;
  hasOpened: boolean;
  hasClosed: boolean;
  hasBytes: boolean;
  hasFailed: boolean;
}
