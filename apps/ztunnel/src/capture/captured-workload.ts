// One local workload in iptables capture: no listeners of its own (the node's 15001/15008/15006 hand it the
// connections whose source or original destination is its address), but its WorkloadEndpoint: its certificate on
// an HBONE server fed those sockets, its HBONE client for outbound, and the connections it carries.
import type { Socket } from 'node:net';
import type { TunnelRequest } from '@ambient/hbone';
import type { WorkloadRecord } from '@ambient/mesh-state';
import type { Svid } from '@ambient/spiffe';
import type { ProxyContext } from '../context.js';
import { hboneInbound, plaintextInbound } from '../inbound.js';
import type { ServedWorkload } from '../local-workloads.js';
import { carryOutbound, type OutboundAnswer } from '../outbound.js';
import type { OutboundDestination } from '../plan/outbound.js';
import { WorkloadEndpoint } from '../workload-endpoint.js';

/** A transparently captured app learns of a refusal or failure only by the connection closing. */
const closing = (socket: Socket): OutboundAnswer => ({ refused: () => socket.destroy(), failed: () => socket.destroy(), connected: () => undefined });
const NOTHING_EARLY = Buffer.alloc(0);

export class CapturedWorkload implements ServedWorkload {
  readonly address: string;
  readonly #ctx: ProxyContext;
  readonly endpoint: WorkloadEndpoint;

  constructor(ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid) {
    this.#ctx = ctx;
    this.address = address;
    const inbound = hboneInbound(ctx);
    // The socket's local address is the node's (REDIRECT rewrote it); the peer dialled this workload.
    const dialled = new WeakMap<TunnelRequest, TunnelRequest>();
    // Connections leave from the node's address ('' below): binding the workload's address needs IP_TRANSPARENT.
    this.endpoint = new WorkloadEndpoint(ctx, workload, '', svid, {
      handler: (req) => {
        const asDialled = { ...req, localAddress: address };
        dialled.set(req, asDialled);
        return inbound.handler(asDialled);
      },
      onTunnelDone: ({ request, result }) => inbound.onTunnelDone({ request: dialled.get(request) ?? request, result }),
    });
  }

  static start(ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid): Promise<CapturedWorkload> {
    return Promise.resolve(new CapturedWorkload(ctx, workload, address, svid));
  }

  /** An HBONE connection whose original destination is this workload: TLS with its certificate, then CONNECTs. */
  serveHbone(socket: Socket): void {
    this.endpoint.hbone.serve(socket);
  }

  /** A connection this workload opened, captured on 15001, towards its original destination. */
  carryOutbound(socket: Socket, destination: OutboundDestination): void {
    this.endpoint.carry(socket, carryOutbound(this.#ctx, this.endpoint.source, socket, destination, NOTHING_EARLY, closing(socket)));
  }

  /** A plaintext connection from outside the mesh for this workload, captured on 15006. */
  carryPlaintext(socket: Socket, dialled: { address: string; port: number }): void {
    this.endpoint.carry(socket, plaintextInbound(this.#ctx, this.endpoint.workload, socket, dialled.port, dialled));
  }

  /** GOAWAY on inbound sessions; carried connections may finish until `deadlineMs`, then are cut. */
  close(deadlineMs: number): Promise<void> {
    return this.endpoint.close(deadlineMs);
  }
}
