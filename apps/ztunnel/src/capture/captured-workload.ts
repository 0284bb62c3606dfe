// One local workload in iptables capture: no listeners of its own (the node's 15001/15008/15006 hand it the
// connections whose source or original destination is its address), but its WorkloadEndpoint: its certificate on
// an HBONE server fed those sockets, its HBONE client for outbound, and the connections it carries.
import { isIPv6, type Socket } from 'node:net';
import type { TunnelRequest } from '@ambient/hbone';
import type { WorkloadRecord } from '@ambient/mesh-state';
import type { Svid } from '@ambient/spiffe';
import type { ProxyContext } from '../context.js';
import { hboneInbound, plaintextInbound } from '../inbound.js';
import type { ServedWorkload } from '../local-workloads.js';
import { carryOutbound, type OutboundAnswer } from '../outbound.js';
import type { OutboundDestination } from '../plan/outbound.js';
import { WorkloadEndpoint } from '../workload-endpoint.js';
import type { ServedByAddress } from './served-by-address.js';

/** A transparently captured app learns of a refusal or failure only by the connection closing. */
function closing(socket: Socket): OutboundAnswer {
  // One closure per connection, not one per answer: this runs for every captured connection.
  const close = (): void => void socket.destroy();
  return { refused: close, failed: close, connected: nothing };
}
const nothing = (): void => undefined;
const NOTHING_EARLY = Buffer.alloc(0);

export class CapturedWorkload implements ServedWorkload {
  /** Its first address: where its connections leave from unless the destination is of the other family. */
  readonly address: string;
  /** Every address it is served at (a dual-stack workload has one per family). */
  readonly #addresses: readonly string[];
  readonly #ctx: ProxyContext;
  readonly #served: ServedByAddress<CapturedWorkload>;
  readonly endpoint: WorkloadEndpoint;

  constructor(ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid, served: ServedByAddress<CapturedWorkload>) {
    this.#ctx = ctx;
    this.address = address;
    this.#addresses = workload.addresses.includes(address) ? workload.addresses : [address];
    this.#served = served;
    const inbound = hboneInbound(ctx);
    // The socket's local address is the node's (REDIRECT rewrote it); the peer dialled this workload, at its address
    // of the same family as the connection.
    const dialled = new WeakMap<TunnelRequest, TunnelRequest>();
    const sameFamily = (local: string): string => this.#addresses.find((a) => isIPv6(a) === isIPv6(local)) ?? address;
    // Connections leave from the workload's own address when transparent sockets are available, else the node's ('').
    this.endpoint = new WorkloadEndpoint(ctx, workload, ctx.originalSource ? address : '', svid, {
      handler: (req) => {
        const asDialled = { ...req, localAddress: sameFamily(req.localAddress) };
        dialled.set(req, asDialled);
        return inbound.handler(asDialled);
      },
      onTunnelDone: ({ request, result }) => {
        // Deleted at once: dead keys left in a WeakMap until a full GC slow every scavenge.
        const asDialled = dialled.get(request);
        dialled.delete(request);
        inbound.onTunnelDone({ request: asDialled ?? request, result });
      },
    });
    for (const a of this.#addresses) served.set(a, this);
  }

  /** A StartServing for LocalWorkloads: each workload it starts is in `served` until it closes. */
  static starter(served: ServedByAddress<CapturedWorkload>): (ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid) => Promise<CapturedWorkload> {
    return (ctx, workload, address, svid) => Promise.resolve(new CapturedWorkload(ctx, workload, address, svid, served));
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

  /** Takes no new connections; GOAWAY on inbound sessions; carried connections may finish until `deadlineMs`. */
  close(deadlineMs: number): Promise<void> {
    // A successor on the same address (the workload restarted) may already be registered: delete leaves it.
    for (const a of this.#addresses) this.#served.delete(a, this);
    return this.endpoint.close(deadlineMs);
  }
}
