// ztunnel's certificate revocation counters (istio-ztunnel.md §1.11, HEAD's CRL_PATH): connections refused or torn
// down because a certificate in the peer's chain is revoked, and connections that could not be tracked for that
// check. Labelled by reporter only: `destination` for the inbound side (the client's chain), `source` for the
// outbound side (the server's chain). Rare events, so plain counters; a series appears with its first count.
import type { Counter, Meter } from '@opentelemetry/api';
import type { Reporter } from './labels.js';

// Names without _total: the Prometheus exporter appends it to monotonic counters.
export class CrlMetrics {
  readonly #rejections: Counter;
  readonly #untracked: Counter;

  constructor(meter: Meter) {
    this.#rejections = meter.createCounter('istio_crl_policy_rejections', {
      description: 'The total number of connections rejected or closed because a certificate in the peer chain is revoked by a CRL (unstable)',
    });
    this.#untracked = meter.createCounter('istio_crl_untracked_connections', {
      description: 'The total number of connections whose peer chain could not be tracked for CRL revocation (unstable)',
    });
  }

  /** One connection refused in its handshake or closed while open, its peer's chain revoked. */
  rejected(reporter: Reporter): void {
    this.#rejections.add(1, { reporter });
  }

  /** One connection left out of the revocation check of live connections (its peer chain could not be read). */
  untracked(reporter: Reporter): void {
    this.#untracked.add(1, { reporter });
  }
}
