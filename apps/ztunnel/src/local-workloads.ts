// Keeps one WorkloadProxy (or, in iptables capture, another ServedWorkload) per workload on this node in step with
// the mesh state: starts it once the workload's certificate is issued, restarts it when its address or identity
// changes, closes it when it leaves.
import type { MeshState, WorkloadRecord } from '@ambient/mesh-state';
import type { Svid } from '@ambient/spiffe';
import type { WorkloadCertificates } from './certificates.js';
import type { ProxyContext } from './context.js';
import type { WorkloadEndpoint } from './workload-endpoint.js';
import { WorkloadProxy } from './workload-proxy.js';

/** What LocalWorkloads keeps per local workload: its endpoint (updated and rotated in place) and how to close it. */
export interface ServedWorkload {
  readonly endpoint: WorkloadEndpoint;
  close(deadlineMs: number): Promise<void>;
}

export type StartServing<P extends ServedWorkload> = (ctx: ProxyContext, workload: WorkloadRecord, address: string, svid: Svid) => Promise<P>;

interface Slot<P> {
  /** uid + addresses + identity: a change of any of them means new listeners. */
  readonly key: string;
  readonly workload: WorkloadRecord;
  proxy?: P;
  starting?: Promise<void>;
  failed?: string;
  stopped: boolean;
}

export class LocalWorkloads<P extends ServedWorkload = WorkloadProxy> {
  readonly #ctx: ProxyContext;
  readonly #certificates: WorkloadCertificates;
  readonly #startServing: StartServing<P>;
  readonly #slots = new Map<string, Slot<P>>();
  readonly #unsubscribe: () => void;
  readonly #unrotate: () => void;
  #closed = false;

  constructor(ctx: ProxyContext, certificates: WorkloadCertificates, startServing?: StartServing<P>) {
    this.#ctx = ctx;
    this.#certificates = certificates;
    this.#startServing = startServing ?? (WorkloadProxy.start as unknown as StartServing<P>);
    this.#unsubscribe = ctx.state.subscribe(() => this.sync());
    this.#unrotate = certificates.onIssued((svid) => {
      for (const slot of this.#slots.values()) if (slot.workload.identity === svid.identity) slot.proxy?.endpoint.rotate(svid);
    });
    this.sync();
  }

  /** Brings the proxies in line with the workloads the state places on this node. */
  sync(): void {
    if (this.#closed) return;
    const local = localWorkloads(this.#ctx.state, this.#ctx.config.node);
    this.#certificates.want(local.map((w) => w.identity));
    const seen = new Set<string>();
    for (const workload of local) {
      const address = workload.addresses[0] ?? '';
      const key = `${workload.uid}|${workload.addresses.join(',')}|${workload.identity}`;
      seen.add(workload.uid);
      const slot = this.#slots.get(workload.uid);
      if (slot?.key === key) {
        slot.proxy?.endpoint.update(workload);
        continue;
      }
      if (slot) this.#stop(slot);
      this.#start(workload, address, key);
    }
    for (const [uid, slot] of this.#slots) if (!seen.has(uid)) this.#stop(slot);
  }

  /** Why the local workloads are not all served yet; empty when they are. */
  pending(): string[] {
    const out: string[] = [];
    for (const slot of this.#slots.values()) {
      if (slot.proxy) continue;
      out.push(`${slot.workload.namespace}/${slot.workload.name}: ${slot.failed ?? 'waiting for its certificate'}`);
    }
    return out;
  }

  proxies(): P[] {
    return [...this.#slots.values()].flatMap((s) => (s.proxy ? [s.proxy] : []));
  }

  /** Closes every proxy, letting tunnels finish up to `deadlineMs`. */
  async close(deadlineMs: number): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    this.#unrotate();
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    for (const slot of slots) slot.stopped = true;
    await Promise.all(slots.map(async (slot) => {
      await slot.starting;
      await slot.proxy?.close(deadlineMs);
    }));
  }

  #start(workload: WorkloadRecord, address: string, key: string): void {
    const slot: Slot<P> = { key, workload, stopped: false };
    this.#slots.set(workload.uid, slot);
    if (address === '') {
      slot.failed = 'it has no address to listen on';
      return;
    }
    slot.starting = this.#certificates
      .fetch(workload.identity)
      .then((svid) => (slot.stopped ? undefined : this.#startServing(this.#ctx, workload, address, svid)))
      .then(
        async (proxy) => {
          if (!proxy) return;
          if (slot.stopped) return proxy.close(0);
          slot.proxy = proxy;
          this.#ctx.log.info({ workload: workload.uid, address, identity: workload.identity }, 'serving local workload');
        },
        (err: unknown) => {
          slot.failed = (err as Error).message;
          this.#ctx.log.error({ workload: workload.uid, err: slot.failed }, 'cannot serve local workload; retrying');
          // The secret manager backs off on its own; a bind failure may clear (an address freed): try again.
          setTimeout(() => {
            if (!slot.stopped && this.#slots.get(workload.uid) === slot) this.#start(workload, address, key);
          }, RETRY_MS).unref();
        },
      );
  }

  #stop(slot: Slot<P>): void {
    slot.stopped = true;
    this.#slots.delete(slot.workload.uid);
    const proxy = slot.proxy;
    if (proxy) {
      this.#ctx.log.info({ workload: slot.workload.uid }, 'local workload left; closing its listeners');
      void proxy.close(this.#ctx.config.drainDeadlineMs);
    }
  }
}

const RETRY_MS = 1_000;

function localWorkloads(state: MeshState, node: string): WorkloadRecord[] {
  return state.findWorkloadsOnNode(node);
}
