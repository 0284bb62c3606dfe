// A connection reduced to the values policies compare, computed once per decision: parsed addresses,
// the principal without 'spiffe://', and the peer namespace ('' without an identity, as in ztunnel).
import { AuthzError } from './errors.js';
import { canonicalIp, formatIp, parseIp, type IpAddress } from './ip.js';
import { principalOf, type Connection, type Identity } from './model.js';

export class ConnectionFacts {
  readonly src: IpAddress;
  readonly dst: IpAddress;
  readonly dstPort: number;
  readonly identity: Identity | undefined;
  readonly namespace: string;
  #principal: string | undefined;

  constructor(conn: Connection) {
    this.src = address(conn.srcIp, 'srcIp');
    this.dst = address(conn.dstIp, 'dstIp');
    if (!Number.isInteger(conn.dstPort) || conn.dstPort < 0 || conn.dstPort > 65535) {
      throw new AuthzError('AUTHZ_ERR_INVALID_CONNECTION', `dstPort ${conn.dstPort} is not a port from 0 to 65535`, { path: 'dstPort' });
    }
    this.dstPort = conn.dstPort;
    this.identity = conn.srcIdentity ?? undefined;
    this.namespace = this.identity?.namespace ?? '';
  }

  /** Undefined without an identity: positive principal matches then never match. Built only when a policy asks. */
  get principal(): string | undefined {
    if (this.#principal === undefined && this.identity !== undefined) this.#principal = principalOf(this.identity);
    return this.#principal;
  }

  /** 'src 10.0.0.1 (td/ns/a/sa/b) → 10.0.0.2:8080' for messages. */
  describe(): string {
    return `${formatIp(this.src)} (${this.principal ?? 'no identity'}) → ${formatIp(this.dst)}:${this.dstPort}`;
  }
}

/** Peers and local addresses repeat across connections, so parsed addresses are kept (bounded, then reset). */
const parsed = new Map<string, IpAddress>();
const MAX_PARSED = 16_384;

function address(text: string, field: string): IpAddress {
  const cached = parsed.get(text);
  if (cached !== undefined) return cached;
  const ip = typeof text === 'string' ? parseIp(text) : undefined;
  if (ip === undefined) {
    throw new AuthzError('AUTHZ_ERR_INVALID_CONNECTION', `${field} "${String(text)}" is not an IPv4 or IPv6 address`, { path: field });
  }
  if (parsed.size >= MAX_PARSED) parsed.clear();
  const canonical = canonicalIp(ip);
  parsed.set(text, canonical);
  return canonical;
}
