// ztunnel's istio_on_demand_dns_total (istio-ztunnel.md §1.11, src/proxy/metrics.rs OnDemandDnsLabels): one count
// per connection whose chosen endpoint is a hostname-only workload, counted when the lookup starts (a cached
// answer counts too). Labelled with the source workload (with_source, principal included) and the hostname.
import type { Counter, Meter } from '@opentelemetry/api';
import { known, type LabelledWorkload, type SourceLabels } from './labels.js';

export interface OnDemandDnsLabels extends SourceLabels {
  readonly hostname: string;
}

/** The label set ztunnel builds: app and version repeat the canonical name and revision; '' is "unknown". */
export function onDemandDnsLabels(source: LabelledWorkload | undefined, hostname: string): OnDemandDnsLabels {
  return {
    source_workload: known(source?.workloadName),
    source_canonical_service: known(source?.canonicalName),
    source_canonical_revision: known(source?.canonicalRevision),
    source_workload_namespace: known(source?.namespace),
    source_principal: known(source?.identity),
    source_app: known(source?.canonicalName),
    source_version: known(source?.canonicalRevision),
    source_cluster: known(source?.clusterId),
    hostname: known(hostname),
  };
}

// The name without _total: the Prometheus exporter appends it to monotonic counters.
export class OnDemandDnsMetrics {
  readonly #lookups: Counter;

  constructor(meter: Meter) {
    this.#lookups = meter.createCounter('istio_on_demand_dns', { description: 'The total number of requests that used on-demand DNS (unstable)' });
  }

  /** One on-demand lookup of `hostname` for a connection from `source`. */
  lookup(source: LabelledWorkload | undefined, hostname: string): void {
    this.#lookups.add(1, { ...onDemandDnsLabels(source, hostname) });
  }
}
