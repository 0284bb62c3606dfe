// One local workload in iptables capture: no listeners of its own (the node's 15001/15008/15006 hand it the
// connections whose original destination or source is its address), but its certificate on an HBONE server fed
// those sockets, its HBONE client for outbound, and the connections it carries, for drain.
import type { Socket } from 'node:net';
import { HboneClient, HboneServer, type TunnelRequest } from '@ambient/hbone';
import type { WorkloadRecord } from '@ambient/mesh-state';
import { tlsMaterialFromSvid, type Svid } from '@ambient/spiffe';
import type { ProxyContext } from '../context.js';
import { hboneInbound, plaintextInbound } from '../inbound.js';
import type { ServedWorkload } from '../local-workloads.js';
import { carryOutbound, type OutboundAnswer, type OutboundSource } from '../outbound.js';
import type { OutboundDestination } from '../plan/outbound.js';

/** A transparently captured app learns of a refusal or failure only by the connection closing. */
const closing = (socket: Socket): OutboundAnswer => ({ refused: () => socket.destroy(), failed: () => socket.destroy(), connected: () => undefined });
const NOTHING_EARLY = Buffer.alloc(0);

export class CapturedWorkload implements ServedWorkload {
  readonly address: string;
  readonly #ctx: ProxyContext;
  readonly #hbone: HboneServer;
  readonly #client: HboneClient;
  readonly #source: OutboundSource;
  readonly #carried = new Set<Socket>();

  constructor(ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid) {
    this.#ctx = ctx;
    this.address = address;
    const tls = tlsMaterialFromSvid(svid);
    const inbound = hboneInbound(ctx);
    // The socket's local address is the node's (REDIRECT rewrote it); the peer dialled this workload.
    const dialled = new WeakMap<TunnelRequest, TunnelRequest>();
    this.#hbone = new HboneServer({
      tls,
      log: ctx.log,
      handler: (req) => {
        const asDialled = { ...req, localAddress: address };
        dialled.set(req, asDialled);
        return inbound.handler(asDialled);
      },
      onTunnelDone: ({ request, result }) => inbound.onTunnelDone({ request: dialled.get(request) ?? request, result }),
    });
    this.#client = new HboneClient({ tls });
    // Connections leave from the node's address: binding the workload's address needs IP_TRANSPARENT.
    this.#source = { workload, address: '', client: this.#client, open: new Set() };
  }

  static start(ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid): Promise<CapturedWorkload> {
    return Promise.resolve(new CapturedWorkload(ctx, workload, address, svid));
  }

  get workload(): WorkloadRecord {
    return this.#source.workload;
  }

  update(workload: WorkloadRecord): void {
    this.#source.workload = workload;
  }

  rotate(svid: Svid): void {
    const tls = tlsMaterialFromSvid(svid);
    this.#hbone.updateTls(tls);
    this.#client.updateTls(tls);
  }

  /** An HBONE connection whose original destination is this workload: TLS with its certificate, then CONNECTs. */
  serveHbone(socket: Socket): void {
    this.#hbone.serve(socket);
  }

  /** A connection this workload opened, captured on 15001, towards its original destination. */
  carryOutbound(socket: Socket, destination: OutboundDestination): void {
    this.#carry(socket, carryOutbound(this.#ctx, this.#source, socket, destination, NOTHING_EARLY, closing(socket)));
  }

  /** A plaintext connection from outside the mesh for this workload, captured on 15006. */
  carryPlaintext(socket: Socket, dialled: { address: string; port: number }): void {
    this.#carry(socket, plaintextInbound(this.#ctx, this.#source.workload, socket, dialled.port, dialled));
  }

  /** GOAWAY on inbound sessions; carried connections may finish until `deadlineMs`, then are cut. */
  async close(deadlineMs: number): Promise<void> {
    const cut = setTimeout(() => {
      for (const socket of this.#carried) socket.destroy();
    }, deadlineMs);
    const ended = [...this.#carried].map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve()))));
    await Promise.all([this.#hbone.drain(deadlineMs), ...ended]);
    clearTimeout(cut);
    this.#client.close();
  }

  #carry(socket: Socket, done: Promise<void>): void {
    this.#carried.add(socket);
    socket.once('close', () => this.#carried.delete(socket));
    done.catch((err: unknown) => {
      this.#ctx.log.error({ err: (err as Error).message, workload: this.workload.uid }, 'captured connection failed');
      socket.destroy();
    });
  }
}
