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
  /** Undefined without an identity: positive principal matches then never match. */
  readonly principal: string | undefined;
  readonly namespace: string;

  constructor(conn: Connection) {
    this.src = address(conn.srcIp, 'srcIp');
    this.dst = address(conn.dstIp, 'dstIp');
    if (!Number.isInteger(conn.dstPort) || conn.dstPort < 0 || conn.dstPort > 65535) {
      throw new AuthzError('AUTHZ_ERR_INVALID_CONNECTION', `dstPort ${conn.dstPort} is not a port from 0 to 65535`, { path: 'dstPort' });
    }
    this.dstPort = conn.dstPort;
    this.identity = conn.srcIdentity ?? undefined;
    this.principal = this.identity === undefined ? undefined : principalOf(this.identity);
    this.namespace = this.identity?.namespace ?? '';
  }

  /** 'src 10.0.0.1 (td/ns/a/sa/b) → 10.0.0.2:8080' for messages. */
  describe(): string {
    return `${formatIp(this.src)} (${this.principal ?? 'no identity'}) → ${formatIp(this.dst)}:${this.dstPort}`;
  }
}

function address(text: string, field: string): IpAddress {
  const ip = typeof text === 'string' ? parseIp(text) : undefined;
  if (ip === undefined) {
    throw new AuthzError('AUTHZ_ERR_INVALID_CONNECTION', `${field} "${String(text)}" is not an IPv4 or IPv6 address`, { path: field });
  }
  return canonicalIp(ip);
}
