// ztunnel's xDS client metrics (istio-ztunnel.md §1.11, ztunnel src/xds/metrics.rs): why streams to the control
// plane ended, and the responses received per type URL with their resource bytes. A few events a minute, so these
// are plain OpenTelemetry counters with attributes. The method shapes match @ambient/xds-client's observer, so an
// XdsMetrics can be handed to the client as it is (structurally: no dependency either way).
import type { Counter, Meter } from '@opentelemetry/api';
import { checkCount } from './errors.js';

/**
 * ztunnel's ConnectionTerminationReason: ConnectionError, the stream could not be opened; Reconnect, the server ended
 * it as a server going away does (reconnect at once); Error, any other error status; Complete, it ended with OK.
 */
export type XdsTerminationReason = 'ConnectionError' | 'Error' | 'Reconnect' | 'Complete';

// Names without _total: the Prometheus exporter appends it to monotonic counters. Help texts are ztunnel's.
export class XdsMetrics {
  readonly #terminations: Counter;
  readonly #messages: Counter;
  readonly #bytes: Counter;

  constructor(meter: Meter) {
    this.#terminations = meter.createCounter('istio_xds_connection_terminations', { description: 'The total number of completed connections to xds server (unstable)' });
    this.#messages = meter.createCounter('istio_xds_message', { description: 'Total number of messages received (unstable)' });
    // ztunnel registers this one as "xds_message" with the unit bytes; its text exposition names it this way.
    this.#bytes = meter.createCounter('istio_xds_message_bytes', { description: 'Total number of bytes received (unstable)' });
  }

  /** One DeltaDiscoveryResponse received; `bytes` as ztunnel counts them: the sum of its resources' encoded bodies. */
  message(typeUrl: string, bytes: number): void {
    checkCount(bytes, 'xDS message bytes');
    const labels = { url: typeUrl };
    this.#messages.add(1, labels);
    this.#bytes.add(bytes, labels);
  }

  /** One stream to the control plane ended, for this reason. */
  terminated(reason: XdsTerminationReason): void {
    this.#terminations.add(1, { reason });
  }
}
