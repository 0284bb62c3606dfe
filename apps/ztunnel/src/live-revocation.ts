// Revocation of live HBONE connections (Istio HEAD's CRL revocation index, reference §2.4): each HBONE session, inbound
// (the client's chain, reporter destination) and outbound (the server's chain, reporter source), is kept with its
// peer's certificates from the handshake. When a new list lands, a session whose peer chain it revokes (any
// certificate but the trust anchor, by issuer + serial) is torn down at once: GOAWAY(NO_ERROR) and closed, as
// ztunnel's abrupt shutdown, its tunnels logged with CERT_REVOKED, and istio_crl_policy_rejections_total counts it.
import type { X509Certificate } from 'node:crypto';
import type { Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '@ambient/core';
import type { HboneClientOptions, HboneServerOptions } from '@ambient/hbone';
import { certificateInfo, peerChainFromTls, toCertificates, type RevocationLists, type RevokedInChain } from '@ambient/spiffe';
import type { CrlMetrics, Reporter } from '@ambient/telemetry';

export const REVOKED_CLOSE_REASON = 'connection closed due to certificate revocation';

/** An inbound session's TCP ends, so its tunnels can be told apart from others of the same peer. */
export interface SessionEnds {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
}

interface Tracked {
  readonly session: Http2Session;
  readonly reporter: Reporter;
  /** Leaf first, each certificate followed by its issuer, the trust anchor last (as the handshake verified it). */
  readonly chain: readonly X509Certificate[];
  readonly peer: string;
  /** The local workload (uid) the session belongs to, for the log. */
  readonly workload: string;
  readonly ends: SessionEnds;
}

export interface LiveRevocationOptions {
  /** The lists in force now. */
  readonly lists: () => RevocationLists;
  readonly metrics: Pick<CrlMetrics, 'rejected' | 'untracked'>;
  readonly log: Logger;
  /** Called for an inbound session about to be closed, before it is: its tunnels take the reason for the access log. */
  readonly closingInbound?: (ends: SessionEnds, reason: string) => void;
}

export class LiveRevocation {
  readonly #open = new Set<Tracked>();
  /** Sessions closed for revocation, so an outbound tunnel on one logs why it ended. */
  readonly #revoked = new WeakSet<Http2Session>();
  readonly #options: LiveRevocationOptions;

  constructor(options: LiveRevocationOptions) {
    this.#options = options;
  }

  /**
   * Keeps an established session until it closes. A session whose peer chain cannot be read is counted in
   * istio_crl_untracked_connections_total and left alone; one the lists in force already revoke (a list that landed
   * during its handshake) is closed now.
   */
  track(session: Http2Session, reporter: Reporter, workload: string): void {
    const socket = session.socket as TLSSocket | undefined;
    const chain = peerChainOf(socket);
    if (!chain) {
      this.#options.metrics.untracked(reporter);
      this.#options.log.warn({ direction: direction(reporter), workload, peer: socket?.remoteAddress }, 'crl: peer certificate chain unreadable; connection not tracked for revocation');
      return;
    }
    const ends = { remoteAddress: socket?.remoteAddress ?? '', remotePort: socket?.remotePort ?? 0, localAddress: socket?.localAddress ?? '' };
    const entry: Tracked = { session, reporter, chain, peer: identityOf(chain[0] as X509Certificate), workload, ends };
    const found = this.#find(entry.chain);
    if (found) {
      this.#revoke(entry, found);
      return;
    }
    this.#open.add(entry);
    session.once('close', () => this.#open.delete(entry));
  }

  /** After a list change: closes every tracked session whose peer chain the lists in force now revoke. */
  recheck(): number {
    let closed = 0;
    for (const entry of [...this.#open]) {
      const found = this.#find(entry.chain);
      if (!found) continue;
      this.#revoke(entry, found);
      closed++;
    }
    return closed;
  }

  /** HboneServer options: keep each session with the client's chain; count clients refused for a revoked chain. */
  inboundHooks(workload: () => string): Pick<HboneServerOptions, 'onSession' | 'onHandshakeError'> {
    return {
      onSession: (session) => this.track(session, 'destination', workload()),
      onHandshakeError: (_err, why) => {
        if (why === 'CERT_REVOKED') this.refused('destination');
      },
    };
  }

  /** HboneClient options: keep each session, pooled or inner, with the server's chain. */
  outboundHooks(workload: () => string): Pick<HboneClientOptions, 'onSession'> {
    return { onSession: (session) => this.track(session, 'source', workload()) };
  }

  /** A handshake this side refused because the peer's chain is revoked (counted as ztunnel counts it). */
  refused(reporter: Reporter): void {
    this.#options.metrics.rejected(reporter);
  }

  /** Whether `session` was closed because its peer's certificate was revoked. */
  closedForRevocation(session: Http2Session | undefined): boolean {
    return session !== undefined && this.#revoked.has(session);
  }

  get size(): number {
    return this.#open.size;
  }

  #find(chain: readonly X509Certificate[]): RevokedInChain | undefined {
    const lists = this.#options.lists();
    return lists.crls.some((c) => c.revoked.length > 0) ? lists.findRevoked(chain) : undefined;
  }

  #revoke(entry: Tracked, found: RevokedInChain): void {
    this.#open.delete(entry);
    if (this.#revoked.has(entry.session)) return;
    this.#revoked.add(entry.session);
    this.#options.metrics.rejected(entry.reporter);
    this.#options.log.info(
      {
        direction: direction(entry.reporter),
        workload: entry.workload,
        peer: entry.peer,
        peerAddress: `${entry.ends.remoteAddress}:${entry.ends.remotePort}`,
        revoked: found.index === 0 ? 'leaf' : `chain[${found.index}]`,
        serial: found.serial,
        reason: REVOKED_CLOSE_REASON,
      },
      'closing HBONE connection: peer certificate revoked by CRL update',
    );
    if (entry.reporter === 'destination') this.#options.closingInbound?.(entry.ends, REVOKED_CLOSE_REASON);
    // No error and no code: Node sends GOAWAY(NO_ERROR) and closes at once, ztunnel's abrupt shutdown.
    entry.session.destroy();
  }
}

function peerChainOf(socket: TLSSocket | undefined): X509Certificate[] | undefined {
  try {
    const ders = peerChainFromTls(socket?.getPeerCertificate?.(true));
    return ders.length > 0 ? toCertificates(ders) : undefined;
  } catch {
    return undefined;
  }
}

function identityOf(leaf: X509Certificate): string {
  try {
    return certificateInfo(leaf).uris.find((u) => u.startsWith('spiffe://')) ?? '<unknown>';
  } catch {
    return '<unknown>';
  }
}

function direction(reporter: Reporter): 'inbound' | 'outbound' {
  return reporter === 'destination' ? 'inbound' : 'outbound';
}

/** Whether an HBONE connect failed because this side found the peer's certificate revoked (OpenSSL's CERT_REVOKED). */
export function handshakeRevoked(err: unknown): boolean {
  return (err as { code?: string; cause?: { code?: string } } | undefined)?.cause?.code === 'CERT_REVOKED';
}

/** The HBONE session an outbound tunnel runs on (read while it is open: a closed stream forgets its session). */
export function sessionOf(upstream: object): Http2Session | undefined {
  return (upstream as { session?: Http2Session }).session;
}

/** For the access log of an outbound tunnel that ended: why, when its session was closed for revocation. */
export function revokedOutcome(revocation: LiveRevocation, session: Http2Session | undefined): { error: string; responseFlags: 'CERT_REVOKED' } | undefined {
  return revocation.closedForRevocation(session) ? { error: REVOKED_CLOSE_REASON, responseFlags: 'CERT_REVOKED' } : undefined;
}
