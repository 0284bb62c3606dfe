// /metrics: OpenTelemetry instruments under Istio's pilot_* names where istiod has one, served in the Prometheus
// text format by the exporter's request handler on the debug server (the exporter's own server never starts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

export interface MetricSources {
  /** Connected proxies (ADS streams that sent their node). */
  readonly connectedProxies: () => number;
  /** Problems in the config as last read. */
  readonly configErrors: () => number;
}

/** Convergence buckets in seconds: istiod's pilot_proxy_convergence_time uses the same span (1 ms … 30 s). */
const CONVERGENCE_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 3, 5, 10, 20, 30];

export class AmbientdMetrics {
  // Istio's metric names and labels, without OpenTelemetry's target_info series and otel_scope_name label.
  readonly #exporter = new PrometheusExporter({ preventServerStart: true, withoutTargetInfo: true, withoutScopeInfo: true });
  readonly #provider = new MeterProvider({ readers: [this.#exporter] });
  readonly #pushes;
  readonly #convergence;
  readonly #updates;

  constructor(sources: MetricSources) {
    const meter = this.#provider.getMeter('ambientd');
    meter
      .createObservableGauge('pilot_xds', { description: 'Proxies connected to this control plane over delta ADS.' })
      .addCallback((r) => r.observe(sources.connectedProxies()));
    meter
      .createObservableGauge('ambientd_config_errors', { description: 'Problems (rejected files and objects) in the config as last read.' })
      .addCallback((r) => r.observe(sources.configErrors()));
    // Counter names leave out _total: the exporter appends it.
    this.#pushes = meter.createCounter('pilot_xds_pushes', { description: 'xDS responses that delivered a config change to a proxy, by type.' });
    this.#updates = meter.createCounter('ambientd_config_updates', { description: 'Re-reads of the config directory, by result.' });
    this.#convergence = meter.createHistogram('pilot_proxy_convergence_time', {
      description: 'Seconds from a config change being read to every connected proxy answering its push.',
      unit: 's',
      advice: { explicitBucketBoundaries: CONVERGENCE_BUCKETS },
    });
  }

  pushed(type: string, count: number): void {
    if (count > 0) this.#pushes.add(count, { type });
  }

  converged(seconds: number): void {
    this.#convergence.record(seconds);
  }

  configRead(result: 'ok' | 'problems' | 'failed'): void {
    this.#updates.add(1, { result });
  }

  /** Writes the Prometheus text exposition. */
  serve(request: IncomingMessage, response: ServerResponse): void {
    this.#exporter.getMetricsRequestHandler(request, response);
  }

  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}
