// Istio's DNS proxy metrics (istio-ztunnel.md §1.11): requests, upstream requests and failures, and the upstream's
// latency, each labelled with the query type, the transport and the asking workload's canonical service and
// revision. DNS rates are low, so these are plain OpenTelemetry instruments with attributes.
import type { Counter, Histogram, Meter } from '@opentelemetry/api';

export interface DnsRequestLabels {
  /** The question's type: A, AAAA, SRV, TYPE65 … */
  readonly request_query_type: string;
  /** udp or tcp. */
  readonly request_protocol: 'udp' | 'tcp';
  readonly source_canonical_service: string;
  readonly source_canonical_revision: string;
}

// Names without _total: the Prometheus exporter appends it to monotonic counters.
export class DnsMetrics {
  readonly #requests: Counter;
  readonly #upstreamRequests: Counter;
  readonly #upstreamFailures: Counter;
  readonly #upstreamDuration: Histogram;

  constructor(meter: Meter) {
    this.#requests = meter.createCounter('istio_dns_requests', { description: 'Total number of DNS requests.' });
    this.#upstreamRequests = meter.createCounter('istio_dns_upstream_requests', { description: 'Total number of DNS requests forwarded to upstream.' });
    this.#upstreamFailures = meter.createCounter('istio_dns_upstream_failures', { description: 'Total number of DNS failures forwarding to upstream.' });
    this.#upstreamDuration = meter.createHistogram('istio_dns_upstream_request_duration_seconds', {
      description: 'Total time in seconds Istio takes to get DNS response from upstream.',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] },
    });
  }

  /** One query received (answered from the mesh, forwarded or refused). */
  request(labels: DnsRequestLabels): void {
    this.#requests.add(1, { ...labels });
  }

  /** One query sent upstream, how long the answer took, and whether it failed. */
  upstream(labels: DnsRequestLabels, seconds: number, failed: boolean): void {
    this.#upstreamRequests.add(1, { ...labels });
    this.#upstreamDuration.record(seconds, { ...labels });
    if (failed) this.#upstreamFailures.add(1, { ...labels });
  }
}
