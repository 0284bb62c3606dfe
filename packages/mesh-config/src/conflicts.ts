// Addresses, VIPs and hosts that two objects claim at once. The object that held a claim in the previous update keeps
// it (an edit elsewhere must not move traffic); otherwise the first in file order does. The loser is rejected with
// both objects named, and its own last good version is served instead when that conflicts with nothing.
import { isHostAddress } from './hostname.js';
import type { ConfigObject, ServiceEntryObject, WorkloadEntryObject } from './objects/model.js';
import type { ProblemCode } from './problems.js';
import type { ConfigProblem } from './types.js';

export type ClaimingObject = WorkloadEntryObject | ServiceEntryObject;

interface Claim {
  readonly id: string;
  readonly code: ProblemCode;
  readonly line: number;
  readonly field: string;
  readonly what: string;
}

export interface Candidate {
  readonly object: ClaimingObject;
  /** The last good version, tried when `object` loses a claim. */
  readonly fallback?: ClaimingObject;
}

export interface Resolution {
  readonly accepted: readonly ClaimingObject[];
  readonly problems: readonly ConfigProblem[];
  /** Keys served from their last good version because the current one lost a claim. */
  readonly retained: ReadonlySet<string>;
  /** Claim id → key of the object holding it, for the next update. */
  readonly owners: ReadonlyMap<string, string>;
}

function claimsOf(o: ClaimingObject): Claim[] {
  if (o.kind === 'WorkloadEntry') return [addressClaim(o.spec)];
  const ns = o.envelope.namespace;
  return [
    // A DNS name is no claim: two ServiceEntries may well send traffic to one external host.
    ...o.endpoints.filter((e) => !isHostAddress(e.address)).map(addressClaim),
    ...o.vips.map((v) => ({ id: `vip:${v.key}`, code: 'CONFIG_ERR_VIP_CONFLICT' as const, line: v.line, field: v.field, what: `VIP ${v.key}` })),
    ...o.hosts.map((h, i) => ({ id: `host:${ns}/${h}`, code: 'CONFIG_ERR_HOST_CONFLICT' as const, line: o.hostsLine, field: `spec.hosts[${i}]`, what: `host ${h} in namespace ${ns}` })),
  ];
}

function addressClaim(spec: WorkloadEntryObject['spec']): Claim {
  const net = spec.network === '' ? '' : ` on network ${spec.network}`;
  return { id: `addr:${spec.network}/${spec.address.text}`, code: 'CONFIG_ERR_ADDRESS_CONFLICT', line: spec.addressLine, field: spec.addressField, what: `address ${spec.address.text}${net}` };
}

export function resolveConflicts(candidates: readonly Candidate[], previous: ReadonlyMap<string, string>): Resolution {
  const claimed = new Map<string, ClaimingObject>();
  const owners = new Map<string, string>();
  const accepted: ClaimingObject[] = [];
  const problems: ConfigProblem[] = [];
  const retained = new Set<string>();
  const incumbent = (c: Candidate) => claimsOf(c.object).some((claim) => previous.get(claim.id) === c.object.envelope.key);
  const ordered = [...candidates.filter(incumbent), ...candidates.filter((c) => !incumbent(c))];
  const take = (o: ClaimingObject, claims: readonly Claim[]) => {
    for (const claim of claims) {
      claimed.set(claim.id, o);
      owners.set(claim.id, o.envelope.key);
    }
    accepted.push(o);
  };
  for (const c of ordered) {
    const claims = claimsOf(c.object);
    const lost = claims.filter((claim) => isTaken(claimed.get(claim.id), c.object));
    if (lost.length === 0) {
      take(c.object, claims);
      continue;
    }
    for (const claim of lost) problems.push(conflictProblem(c.object, claim, claimed.get(claim.id) as ClaimingObject));
    const fallback = c.fallback;
    if (fallback === undefined || fallback === c.object) continue;
    const fallbackClaims = claimsOf(fallback);
    if (fallbackClaims.every((claim) => !isTaken(claimed.get(claim.id), fallback))) {
      take(fallback, fallbackClaims);
      retained.add(fallback.envelope.key);
    }
  }
  return { accepted, problems, retained, owners };
}

function isTaken(holder: ClaimingObject | undefined, by: ClaimingObject): boolean {
  return holder !== undefined && holder.envelope.key !== by.envelope.key;
}

function conflictProblem(loser: ClaimingObject, claim: Claim, winner: ClaimingObject): ConfigProblem {
  return {
    code: claim.code, file: loser.source.file, line: claim.line, object: loser.envelope.key, field: claim.field,
    message: `${claim.what} is already claimed by ${winner.envelope.key} (${winner.source.file}:${winner.source.line})`,
  };
}

export function isClaiming(o: ConfigObject): o is ClaimingObject {
  return o.kind === 'WorkloadEntry' || o.kind === 'ServiceEntry';
}
