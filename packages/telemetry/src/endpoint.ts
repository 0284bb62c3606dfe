// The /metrics endpoint: a MeterProvider read by the Prometheus exporter, collected and written on the app's own
// server (the exporter never starts a server of its own), as Prometheus text or, when asked for, OpenMetrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { CrlMetrics } from './crl-metrics.js';
import { DnsMetrics } from './dns-metrics.js';
import { OnDemandDnsMetrics } from './on-demand-dns-metrics.js';
import { OPENMETRICS_CONTENT_TYPE, prefersOpenMetrics, PROMETHEUS_TEXT_CONTENT_TYPE, toOpenMetrics } from './openmetrics.js';
import { TcpMetrics } from './tcp-metrics.js';
import { XdsMetrics } from './xds-metrics.js';

/** Istio serves the same text on both paths. */
export const METRICS_PATHS: readonly string[] = ['/metrics', '/stats/prometheus'];

export interface MetricsEndpoint {
  readonly meterProvider: MeterProvider;
  readonly tcp: TcpMetrics;
  readonly dns: DnsMetrics;
  readonly xds: XdsMetrics;
  readonly crl: CrlMetrics;
  readonly onDemandDns: OnDemandDnsMetrics;
  /**
   * GET or HEAD on /metrics or /stats/prometheus: Prometheus text, or OpenMetrics when `Accept` prefers it; 404 on
   * other paths, 405 for other methods.
   */
  handle(req: IncomingMessage, res: ServerResponse): void;
  shutdown(): Promise<void>;
}

/** Istio's istio_build labels: which component serves these metrics and its version. */
export interface BuildInfo {
  /** `ztunnel`, `pilot`, … */
  readonly component: string;
  readonly tag: string;
}

export interface MetricsEndpointOptions {
  /** The clock connection durations are measured with (ms). */
  readonly now?: () => number;
  /** Serves istio_build{component, tag} 1 when given. */
  readonly build?: BuildInfo;
}

export function createMetricsEndpoint(options: MetricsEndpointOptions = {}): MetricsEndpoint {
  // Without scope labels and target_info the series carry exactly Istio's label sets, so dashboards and recording
  // rules that match on the full set (or use `without`) behave as with ztunnel.
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const meter = meterProvider.getMeter('istio');
  const tcp = new TcpMetrics(meter, options);
  const { build } = options;
  if (build) {
    const labels = { component: build.component, tag: build.tag };
    meter.createObservableGauge('istio_build', { description: 'Istio component build info' }).addCallback((result) => result.observe(1, labels));
  }
  return {
    meterProvider,
    tcp,
    dns: new DnsMetrics(meter),
    xds: new XdsMetrics(meter),
    crl: new CrlMetrics(meter),
    onDemandDns: new OnDemandDnsMetrics(meter),
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0];
      if (!METRICS_PATHS.includes(path ?? '')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: metrics are at ${METRICS_PATHS.join(' and ')}\n`);
      } else if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end(`method ${String(req.method)} not allowed: use GET\n`);
      } else {
        const openMetrics = prefersOpenMetrics(req.headers.accept);
        exporter.collect().then(
          ({ resourceMetrics }) => {
            const text = serializer.serialize(resourceMetrics);
            res.writeHead(200, { 'content-type': openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_TEXT_CONTENT_TYPE }).end(openMetrics ? toOpenMetrics(text) : text);
          },
          (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`collecting metrics failed: ${(err as Error).message}\n`),
        );
      }
    },
    shutdown: () => meterProvider.shutdown(),
  };
}
