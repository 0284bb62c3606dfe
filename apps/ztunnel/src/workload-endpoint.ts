// What one local workload is in the data path, whichever capture feeds it: its certificate on an HBONE server and
// an HBONE client (rotated together), its current record for outbound, and the connections it carries, so close()
// lets them finish up to a deadline and cuts the rest.
import type { Socket } from 'node:net';
import { HboneClient, HboneServer, type HboneServerOptions } from '@ambient/hbone';
import type { WorkloadRecord } from '@ambient/mesh-state';
import { tlsMaterialFromSvid, type Svid, type TlsMaterial } from '@ambient/spiffe';
import type { ProxyContext } from './context.js';
import type { OutboundSource } from './outbound.js';
import { socketOptions } from './socket-options.js';
import { tunnelResponseHeaders } from './tunnel-headers.js';

export class WorkloadEndpoint {
  readonly hbone: HboneServer;
  readonly source: OutboundSource;
  readonly #ctx: ProxyContext;
  readonly #client: HboneClient;
  readonly #carried = new Set<Socket>();
  #crl: string | undefined;

  /**
   * `sourceAddress`: where its connections leave from ('' for the node's own addresses). An address the host does
   * not own (iptables capture) needs `ctx.originalSource`: sockets then bind it transparently.
   */
  constructor(ctx: ProxyContext, workload: WorkloadRecord, sourceAddress: string, svid: Svid, inbound: Pick<HboneServerOptions, 'handler' | 'onTunnelDone'>) {
    this.#ctx = ctx;
    const tls = this.#material(svid);
    this.#crl = tls.crl;
    const { originalSource, revocation } = ctx;
    const uid = (): string => this.workload.uid;
    const configureSocket = socketOptions(ctx.config.socketConfig);
    this.hbone = new HboneServer({ tls, ...inbound, configureSocket, responseHeaders: () => tunnelResponseHeaders(this.workload), log: ctx.log, ...revocation?.inboundHooks(uid) });
    const pool = { maxStreamsPerConnection: ctx.config.poolMaxStreamsPerConnection, idleTimeoutMs: ctx.config.poolUnusedReleaseTimeoutMs };
    this.#client = new HboneClient({ tls, pool, configureSocket, ...(originalSource ? { openSocket: (ip: string) => originalSource.from(ip) } : {}), ...revocation?.outboundHooks(uid) });
    this.source = { workload, address: sourceAddress, client: this.#client };
  }

  /** The SVID's TLS material, with the revocation lists in force now. */
  #material(svid: Svid): TlsMaterial {
    const material = tlsMaterialFromSvid(svid);
    return this.#ctx.crl ? { ...material, crl: this.#ctx.crl.pem } : material;
  }

  get workload(): WorkloadRecord {
    return this.source.workload;
  }

  /** The same workload with new details (services, policies, locality): later connections use them. */
  update(workload: WorkloadRecord): void {
    this.source.workload = workload;
  }

  /** A new certificate for this workload: new sessions use it, live ones keep theirs. */
  rotate(svid: Svid): void {
    const tls = this.#material(svid);
    this.hbone.updateTls(tls);
    this.#client.updateTls(tls);
    // A new revocation list: sessions handshaken under the old one go away (their open tunnels finish), so every
    // new tunnel, in or out, comes over a handshake that checks the peer against the new list.
    if (tls.crl !== this.#crl) {
      this.#crl = tls.crl;
      this.hbone.retireSessions();
      this.#client.retireSessions();
    }
  }

  /** Keeps `socket` until it closes; a failure while handling it is logged and ends it. */
  carry(socket: Socket, done: Promise<void>): void {
    this.#carried.add(socket);
    socket.once('close', () => this.#carried.delete(socket));
    done.catch((err: unknown) => {
      this.#ctx.log.error({ err: (err as Error).message, workload: this.workload.uid }, 'connection handling failed');
      socket.destroy();
    });
  }

  get openConnections(): number {
    return this.#carried.size + this.hbone.sessionCount;
  }

  /** GOAWAY on inbound sessions, waits for carried connections up to `deadlineMs`, then cuts them. */
  async close(deadlineMs: number): Promise<void> {
    const ended = [...this.#carried].map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve()))));
    const cut = setTimeout(() => {
      for (const socket of this.#carried) socket.destroy();
    }, deadlineMs);
    await Promise.all([this.hbone.drain(deadlineMs), ...ended]);
    clearTimeout(cut);
    this.#client.close();
  }
}
