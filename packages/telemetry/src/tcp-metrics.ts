// Istio's TCP counters and the open-sockets gauge over @opentelemetry/api. Each label set is one series object
// counted in place, so a byte count on the data path is an addition, not an attribute hash; the meter reads the
// series (and the per-reporter open counts) when scraped.
import type { Attributes, Meter } from '@opentelemetry/api';
import { checkCount, TelemetryError } from './errors.js';
import { tcpConnectionLabels, withResponseFlags, type ConnectionInfo, type Reporter, type TcpConnectionLabels } from './labels.js';
import { TcpConnection, type ConnectionAddresses } from './connection.js';
import type { TcpSeries } from './series.js';

// Names without _total: the Prometheus exporter appends it to monotonic counters. Help texts are Istio's.
const COUNTERS = [
  ['istio_tcp_connections_opened', 'The total number of TCP connections opened', 'hasOpened', 'opened'],
  ['istio_tcp_connections_closed', 'The total number of TCP connections closed', 'hasClosed', 'closed'],
  ['istio_tcp_received_bytes', 'The size of total bytes received during request in case of a TCP connection', 'hasBytes', 'requestBytes'],
  ['istio_tcp_sent_bytes', 'The size of total bytes sent during response in case of a TCP connection', 'hasBytes', 'responseBytes'],
  ['istio_tcp_connections_failed', 'The total number of TCP connections that failed to establish (unstable)', 'hasFailed', 'failed'],
] as const;

export class TcpMetrics {
  readonly #series = new Map<string, TcpSeries>();
  readonly #now: () => number;
  /** Tracked connections not closed yet, per reporter: two plain numbers on the data path, read when scraped. */
  readonly #open: Record<Reporter, number> = { source: 0, destination: 0 };

  constructor(meter: Meter, options: { now?: () => number } = {}) {
    this.#now = options.now ?? (() => performance.now());
    for (const [name, description, present, field] of COUNTERS) {
      meter.createObservableCounter(name, { description }).addCallback((result) => {
        for (const series of this.#series.values()) {
          if (series[present]) result.observe(series[field], series.labels as unknown as Attributes);
        }
      });
    }
    // Both reporters from the start, at 0: a gauge that is absent cannot tell "nothing open" from "not scraped".
    meter.createObservableGauge('istio_tcp_sockets_open', { description: 'The current number of open TCP connections (unstable)' }).addCallback((result) => {
      result.observe(this.#open.source, { reporter: 'source' });
      result.observe(this.#open.destination, { reporter: 'destination' });
    });
  }

  // Label sets passed in must come from tcpConnectionLabels or withResponseFlags: series are keyed by value order.

  /** Counts one opened connection. */
  opened(labels: TcpConnectionLabels): void {
    const series = this.series(labels);
    series.opened += 1;
    series.hasOpened = true;
  }

  /** Counts one closed connection (labels carry its response_flags). */
  closed(labels: TcpConnectionLabels): void {
    const series = this.series(labels);
    series.closed += 1;
    series.hasClosed = true;
  }

  /**
   * Counts one failed connection that was never tracked (istio_tcp_connections_failed_total); its labels carry the
   * response flag that says why. A tracked connection closed with a flag is counted by its close.
   */
  failed(labels: TcpConnectionLabels): void {
    if (labels.response_flags === '-') {
      throw new TelemetryError('TELEMETRY_ERR_BAD_FLAG', 'a failed connection needs a response flag other than "-" (DENY, CONNECT, …): set it with withResponseFlags');
    }
    const series = this.series(labels);
    series.failed += 1;
    series.hasFailed = true;
  }

  /** Adds to istio_tcp_sent_bytes_total: bytes from the server to the client, whichever side reports. */
  sent(labels: TcpConnectionLabels, bytes: number): void {
    checkCount(bytes, 'sent bytes');
    const series = this.series(labels);
    series.responseBytes += bytes;
    series.hasBytes = true;
  }

  /** Adds to istio_tcp_received_bytes_total: bytes from the client to the server, whichever side reports. */
  received(labels: TcpConnectionLabels, bytes: number): void {
    checkCount(bytes, 'received bytes');
    const series = this.series(labels);
    series.requestBytes += bytes;
    series.hasBytes = true;
  }

  /**
   * Opens a live connection record: counts it opened and open, creates its byte series at 0 (as ztunnel does), and
   * returns the object the data path counts bytes on and closes once.
   */
  track(info: ConnectionInfo, addresses: ConnectionAddresses): TcpConnection {
    const labels = tcpConnectionLabels(info);
    const series = this.series(labels);
    series.opened += 1;
    series.hasOpened = true;
    series.hasBytes = true;
    const open = this.#open;
    open[labels.reporter] += 1;
    return new TcpConnection(series, addresses, this.#now, (flag) => {
      open[labels.reporter] -= 1;
      // A clean close lands in the series the connection already holds; a flagged one is a series of its own, and
      // counts as failed there too.
      if (flag === labels.response_flags) {
        series.closed += 1;
        series.hasClosed = true;
        return;
      }
      const closing = this.series(withResponseFlags(labels, flag));
      closing.closed += 1;
      closing.hasClosed = true;
      closing.failed += 1;
      closing.hasFailed = true;
    });
  }

  /** The series of a label set, created on first use. Series live as long as the process, as Prometheus expects. */
  series(labels: TcpConnectionLabels): TcpSeries {
    const key = seriesKey(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, opened: 0, closed: 0, requestBytes: 0, responseBytes: 0, failed: 0, hasOpened: false, hasClosed: false, hasBytes: false, hasFailed: false };
      this.#series.set(key, series);
    }
    return series;
  }
}

/** Label sets share one key order (tcpConnectionLabels builds them), so the values alone identify a series. */
function seriesKey(labels: TcpConnectionLabels): string {
  return Object.values(labels).join('\u0001');
}
