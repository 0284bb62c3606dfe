// Endpoint choice for service-addressed traffic (ztunnel `state.rs` load_balance): keep endpoints that can serve
// the port, rank them by locality when the service asks for STRICT or FAILOVER routing, then pick one at random
// weighted by Workload.capacity.
import type { LocalityScope, ServiceIpFamilies, ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';

export interface Endpoint {
  readonly workload: WorkloadRecord;
  readonly targetPort: number;
}

/**
 * The port a workload serves a service port on: its own mapping for the service first, then the service's
 * target port; 0 where neither knows it (the endpoint then cannot take the connection).
 */
export function targetPortOf(workload: WorkloadRecord, service: ServiceRecord, servicePort: number): number {
  for (const p of workload.services.get(service.key) ?? []) if (p.servicePort === servicePort && p.targetPort !== 0) return p.targetPort;
  for (const p of service.ports) if (p.servicePort === servicePort) return p.targetPort;
  return 0;
}

function scopeMatches(scope: LocalityScope, source: WorkloadRecord, w: WorkloadRecord): boolean {
  switch (scope) {
    case 'NETWORK':
      return source.network === w.network;
    case 'REGION':
      return source.locality?.region === w.locality?.region;
    case 'ZONE':
      return source.locality?.zone === w.locality?.zone;
    case 'SUBZONE':
      return source.locality?.subzone === w.locality?.subzone;
    case 'NODE':
      return source.node === w.node;
    case 'CLUSTER':
      return source.clusterId === w.clusterId;
  }
}

/** How many leading scopes of the preference the endpoint shares with the source. */
function rankOf(preference: readonly LocalityScope[], source: WorkloadRecord, w: WorkloadRecord): number {
  let rank = 0;
  while (rank < preference.length && scopeMatches(preference[rank] as LocalityScope, source, w)) rank++;
  return rank;
}

/** STRICT keeps only endpoints matching every scope; FAILOVER keeps the best-ranked ones; other modes keep all. */
export function preferLocality(service: ServiceRecord, source: WorkloadRecord, candidates: readonly Endpoint[]): readonly Endpoint[] {
  const lb = service.loadBalancing;
  if (lb === undefined || lb.routingPreference.length === 0 || (lb.mode !== 'STRICT' && lb.mode !== 'FAILOVER')) return candidates;
  const ranked = candidates.map((e) => ({ e, rank: rankOf(lb.routingPreference, source, e.workload) }));
  const wanted = lb.mode === 'STRICT' ? lb.routingPreference.length : Math.max(-1, ...ranked.map((r) => r.rank));
  return ranked.filter((r) => r.rank === wanted).map((r) => r.e);
}

/** Random choice weighted by capacity; when every weight is 0, a uniform choice (rather than none). */
export function pickWeighted<T extends { readonly workload: WorkloadRecord }>(candidates: readonly T[], random: () => number): T | undefined {
  return pickByWeight(candidates, (c) => c.workload.capacity, random);
}

/** Random choice weighted by `weightOf`; when every weight is 0, a uniform choice (rather than none). */
export function pickByWeight<T>(candidates: readonly T[], weightOf: (c: T) => number, random: () => number): T | undefined {
  if (candidates.length <= 1) return candidates[0];
  let total = 0;
  for (const c of candidates) total += weightOf(c);
  if (total === 0) return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))];
  let point = random() * total;
  for (const c of candidates) {
    point -= weightOf(c);
    if (point < 0) return c;
  }
  // random() may return a value so close to 1 that rounding leaves point at 0: take the last weighted candidate.
  return candidates.findLast((c) => weightOf(c) > 0);
}

/**
 * The address to reach a workload at (reference §1.3): `like` (the address the client dialled) when it is one of the
 * workload's; else, for a single-family service (`families`), its address of that family; else one in the family of
 * `like`; else its first.
 */
export function addressFor(workload: WorkloadRecord, like: string | undefined, families: ServiceIpFamilies = 'AUTOMATIC'): string | undefined {
  if (like !== undefined && workload.addresses.includes(like)) return like;
  const only = families === 'IPV4_ONLY' ? false : families === 'IPV6_ONLY' ? true : undefined;
  const v6 = only ?? (like === undefined ? undefined : like.includes(':'));
  if (v6 !== undefined) {
    const same = workload.addresses.find((a) => a.includes(':') === v6);
    if (same !== undefined) return same;
  }
  return workload.addresses[0];
}
