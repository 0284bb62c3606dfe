// On-demand DNS for hostname-only workloads (ztunnel `DemandProxyState::resolve_on_demand_dns`, reference §1.3): a
// connection whose chosen endpoint has a hostname and no address waits here for an address. As ztunnel with hickory:
// the system's resolvers (resolv.conf) unless --dns-upstream names others, A and AAAA asked together (A alone with
// --ipv6-enabled false), answers kept for their TTL, concurrent lookups of one name shared, every lookup counted in
// istio_on_demand_dns_total, cache hits included.
import { Resolver } from 'node:dns/promises';
import type { HostPort, Logger } from '@ambient/core';
import type { WorkloadRecord } from '@ambient/mesh-state';
import type { OnDemandDnsMetrics } from '@ambient/telemetry';
import { ZtunnelError } from '../errors.js';
import { AnswerCache, pickAddress, type ResolvedAddress } from './answers.js';

/** The two queries, as node:dns/promises Resolver answers them with `{ ttl: true }`; tests may give their own. */
export interface AddressQueries {
  resolve4(hostname: string, options: { ttl: true }): Promise<ResolvedAddress[]>;
  resolve6(hostname: string, options: { ttl: true }): Promise<ResolvedAddress[]>;
}

export interface OnDemandDnsOptions {
  /** --dns-upstream; empty: the nameservers of /etc/resolv.conf, read by Node's resolver (c-ares) itself. */
  readonly upstreams: readonly HostPort[];
  /** --ipv6-enabled: ask AAAA too (hickory Ipv4AndIpv6), else A only (Ipv4Only). */
  readonly ipv6: boolean;
  readonly metrics: Pick<OnDemandDnsMetrics, 'lookup'>;
  readonly log: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly queries?: AddressQueries;
}

/** hickory's defaults, which ztunnel keeps: 5 s per query, 2 attempts. */
const QUERY_TIMEOUT_MS = 5_000;
const QUERY_TRIES = 2;

/** A name with no record of a family: not a failure while the other family answers. */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

export class OnDemandDns {
  readonly #options: OnDemandDnsOptions;
  readonly #queries: AddressQueries;
  readonly #cache: AnswerCache;
  readonly #pending = new Map<string, Promise<readonly ResolvedAddress[]>>();

  constructor(options: OnDemandDnsOptions) {
    this.#options = options;
    this.#queries = options.queries ?? systemQueries(options.upstreams);
    this.#cache = new AnswerCache(options.now ?? Date.now);
  }

  /**
   * An address for `destination.hostname`, of the client's family when there is one; counts the lookup for `source`.
   * Rejects with ZTUNNEL_ERR_DNS_RESOLVE naming the host, the workload and why.
   */
  async fetchAddress(source: WorkloadRecord, destination: WorkloadRecord, preferIpv6: boolean): Promise<string> {
    const { hostname, uid } = destination;
    this.#options.metrics.lookup(source, hostname);
    const answers = this.#cache.find(hostname) ?? (await this.#shared(hostname, uid));
    const address = pickAddress(answers, preferIpv6, this.#options.random ?? Math.random);
    if (address === undefined) throw new ZtunnelError('ZTUNNEL_ERR_DNS_RESOLVE', `DNS lookup of ${hostname} for workload ${uid} answered no addresses`);
    return address;
  }

  /** One lookup per name at a time: later callers wait for the one in flight, as ztunnel's in-progress notify. */
  #shared(hostname: string, uid: string): Promise<readonly ResolvedAddress[]> {
    let pending = this.#pending.get(hostname);
    if (pending === undefined) {
      pending = this.#lookup(hostname, uid).finally(() => this.#pending.delete(hostname));
      this.#pending.set(hostname, pending);
    }
    return pending;
  }

  async #lookup(hostname: string, uid: string): Promise<readonly ResolvedAddress[]> {
    const queries = [this.#queries.resolve4(hostname, { ttl: true })];
    if (this.#options.ipv6) queries.push(this.#queries.resolve6(hostname, { ttl: true }));
    const results = await Promise.allSettled(queries);
    const answers = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as NodeJS.ErrnoException] : []));
    const failure = errors.find((e) => !NO_RECORDS.has(e.code ?? '')) ?? (answers.length === 0 ? errors[0] : undefined);
    if (answers.length === 0 && failure !== undefined) {
      const why = `${failure.code ?? 'error'}${failure.message ? ` (${failure.message})` : ''}`;
      this.#options.log.warn({ hostname, workload: uid, err: why }, 'dns lookup failed');
      throw new ZtunnelError('ZTUNNEL_ERR_DNS_RESOLVE', `DNS lookup of ${hostname} for workload ${uid} failed: ${why}`, { cause: failure });
    }
    this.#options.log.debug({ hostname, answers: answers.map((a) => a.address) }, 'dns lookup complete');
    this.#cache.insert(hostname, answers);
    return answers;
  }
}

function systemQueries(upstreams: readonly HostPort[]): AddressQueries {
  const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: QUERY_TRIES });
  if (upstreams.length > 0) resolver.setServers(upstreams.map((u) => (u.host.includes(':') ? `[${u.host}]:${u.port}` : `${u.host}:${u.port}`)));
  return resolver;
}
