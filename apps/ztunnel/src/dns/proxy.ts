// The DNS proxy as ztunnel runs it: one answerer over the mesh state and the upstreams, handing each listener a
// handler that knows who is asking (the workload a loopback listener belongs to, or the workload at a captured
// query's source address), counting Istio's DNS metrics and logging each query at debug level.
import type { HostPort, Logger } from '@ambient/core';
import type { WorkloadRecord } from '@ambient/mesh-state';
import type { DnsMetrics, DnsRequestLabels } from '@ambient/telemetry';
import { answerDns, isResponse, type DnsOutcome } from './answer.js';
import { forwarder } from './forward.js';
import type { DnsLookup } from './resolve.js';
import type { DnsHandler } from './server.js';
import { DNS_RCODE, encodeError, messageId } from './wire.js';

export interface DnsProxyOptions {
  readonly lookup: DnsLookup;
  readonly clusterDomain: string;
  readonly network: string;
  readonly upstreams: readonly HostPort[];
  readonly metrics: DnsMetrics;
  readonly log: Logger;
  /** false: mesh names get no AAAA records (--ipv6-enabled false, as ztunnel's IPV6_ENABLED=false). */
  readonly ipv6?: boolean;
}

export class DnsProxy {
  readonly #options: DnsProxyOptions;
  readonly #forward: ReturnType<typeof forwarder>;

  constructor(options: DnsProxyOptions) {
    this.#options = options;
    this.#forward = forwarder(options.upstreams);
  }

  /**
   * A handler for one listener; `client` names the asking workload for a source address (undefined: not a
   * workload this proxy serves, which gets REFUSED).
   */
  handler(client: (remoteAddress: string) => WorkloadRecord | undefined): DnsHandler {
    const { lookup, clusterDomain, network, metrics, log, ipv6 } = this.#options;
    return async (message, protocol, remote) => {
      const workload = client(remote.address);
      if (!workload) {
        const id = messageId(message);
        log.debug({ client: remote.address }, 'DNS query from an address that is not a local workload: refused');
        return id === undefined || isResponse(message) ? undefined : encodeError(id, DNS_RCODE.REFUSED);
      }
      const onOutcome = (outcome: DnsOutcome): void => {
        const labels: DnsRequestLabels = {
          request_query_type: outcome.queryType,
          request_protocol: outcome.protocol,
          source_canonical_service: workload.canonicalName,
          source_canonical_revision: workload.canonicalRevision,
        };
        metrics.request(labels);
        if (outcome.upstreamSeconds !== undefined) metrics.upstream(labels, outcome.upstreamSeconds, outcome.result === 'upstream-failed');
        const fields = { client: `${workload.namespace}/${workload.name}`, protocol: outcome.protocol, type: outcome.queryType, name: outcome.name, result: outcome.result, reason: outcome.reason };
        if (outcome.result === 'upstream-failed') log.warn(fields, 'DNS query failed upstream');
        else log.debug(fields, 'DNS query');
      };
      return answerDns(message, protocol, { namespace: workload.namespace, network: workload.network || network }, { lookup, clusterDomain, forward: this.#forward, onOutcome, ...(ipv6 === undefined ? {} : { ipv6 }) });
    };
  }
}
