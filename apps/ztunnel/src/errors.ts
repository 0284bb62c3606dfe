// The error class of the ztunnel app: start-up and runtime failures an operator can act on.
import { AmbientError } from '@ambient/core';

export type ZtunnelErrorCode =
  /** A listen address cannot be bound (in use, not local, no permission). */
  | 'ZTUNNEL_ERR_LISTEN'
  /** --token-file or --root-cert cannot be read. */
  | 'ZTUNNEL_ERR_FILE'
  /** The requested capture mode cannot run on this machine. */
  | 'ZTUNNEL_ERR_CAPTURE'
  /** A PROXY protocol v2 header cannot carry these addresses or TLVs. */
  | 'ZTUNNEL_ERR_PROXY_PROTOCOL'
  /** A DNS message that does not follow RFC 1035 (or RFC 6891 for its OPT record). */
  | 'ZTUNNEL_ERR_DNS_MALFORMED'
  /** A well-formed DNS message the proxy does not answer: not a query, or QDCOUNT other than 1. */
  | 'ZTUNNEL_ERR_DNS_UNSUPPORTED'
  /** A hostname-only workload's name did not resolve to an address (lookup failed or answered none). */
  | 'ZTUNNEL_ERR_DNS_RESOLVE';

export class ZtunnelError extends AmbientError<ZtunnelErrorCode> {
  static override readonly family: string = 'ZTUNNEL';
}
