// One ADS stream on the server: its subscriptions per type and a writer that keeps at most one response in flight.
import type { ServerDuplexStream, status } from '@grpc/grpc-js';
import type { DeltaDiscoveryRequest, Node } from '@ambient/api/xds';
import type { ResourceStore } from './resource-store.js';
import { encodePush } from './response-encoder.js';
import { Subscription, type TypeSyncStatus } from './subscription.js';

export type AdsCall = ServerDuplexStream<DeltaDiscoveryRequest, Buffer>;

/** One row of `/debug/syncz` (CONTRACTS.md). */
export interface SyncStatus {
  readonly id: string;
  readonly node: string;
  /** The proxy's `CLUSTER_ID` metadata, when it sent one (istioctl proxy-status's CLUSTER). */
  readonly cluster?: string;
  /** The proxy's `ISTIO_VERSION` metadata, when it sent one (VERSION). */
  readonly version?: string;
  /** This server's control-plane id (ISTIOD), when it has one. */
  readonly controlPlane?: string;
  readonly types: Readonly<Record<string, TypeSyncStatus>>;
}

export interface ConnectionContext {
  readonly store: ResourceStore;
  readonly controlPlane: string;
  nextNonce(): string;
}

export class Connection<I> {
  readonly identity: I;
  readonly #call: AdsCall;
  readonly #ctx: ConnectionContext;
  readonly #subs = new Map<string, Subscription>();
  #id = '';
  #node: Node | undefined;
  /** A response is written but not yet flushed to the socket: further changes wait and coalesce. */
  #inFlight = false;
  #closed = false;
  /** Responses written so far (for tests and debugging of coalescing). */
  #writes = 0;
  /** The type written last; the next write looks at the others first. */
  #lastWritten = '';

  constructor(call: AdsCall, identity: I, ctx: ConnectionContext) {
    this.#call = call;
    this.identity = identity;
    this.#ctx = ctx;
  }

  get writes(): number {
    return this.#writes;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Handles one request; returns a problem to end the stream with, or undefined. */
  onRequest(request: DeltaDiscoveryRequest, connectionId: () => string): string | undefined {
    if (!request.typeUrl) return 'request without type_url: delta ADS needs one on every request';
    if (!this.#node && request.node) {
      this.#node = request.node;
      this.#id = `${request.node.id}-${connectionId()}`;
    }
    const sub = this.#subs.get(request.typeUrl);
    if (sub) sub.onRequest(request);
    else this.#subs.set(request.typeUrl, new Subscription(request));
    this.#flush();
    return undefined;
  }

  /** The store changed these names of a type; pushes now, or once the stream drains. */
  changed(typeUrl: string, names: Iterable<string>): void {
    const sub = this.#subs.get(typeUrl);
    if (!sub) return;
    sub.markDirty(names);
    this.#flush();
  }

  syncStatus(): SyncStatus {
    const types: Record<string, TypeSyncStatus> = {};
    for (const [typeUrl, sub] of this.#subs) types[typeUrl] = sub.status();
    const metadata = this.#node?.metadata ?? {};
    const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
    const cluster = text(metadata['CLUSTER_ID']);
    const version = text(metadata['ISTIO_VERSION']);
    const controlPlane = text(this.#ctx.controlPlane);
    return {
      id: this.#id,
      node: this.#node?.id ?? '',
      ...(cluster === undefined ? {} : { cluster }),
      ...(version === undefined ? {} : { version }),
      ...(controlPlane === undefined ? {} : { controlPlane }),
      types,
    };
  }

  close(): void {
    this.#closed = true;
  }

  /** Closes the stream with a gRPC status (grpc-js turns an 'error' event into the call's status). */
  end(code: status, details: string): void {
    this.#closed = true;
    this.#call.emit('error', Object.assign(new Error(details), { code, details }));
  }

  #flush(): void {
    if (this.#inFlight || this.#closed) return;
    // Round robin from the type after the last one written, so a type that changes all the time cannot starve
    // the others on a slow stream.
    const subs = [...this.#subs.values()];
    const start = subs.findIndex((sub) => sub.typeUrl === this.#lastWritten) + 1;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[(start + i) % subs.length];
      if (!sub?.hasWork) continue;
      const push = sub.takePush(this.#ctx.store);
      if (!push) continue;
      const nonce = this.#ctx.nextNonce();
      const bytes = encodePush({ typeUrl: sub.typeUrl, nonce, ...push, controlPlane: this.#ctx.controlPlane });
      sub.sent(nonce);
      this.#lastWritten = sub.typeUrl;
      this.#inFlight = true;
      this.#writes++;
      this.#call.write(bytes, () => {
        this.#inFlight = false;
        this.#flush();
      });
      return;
    }
  }
}
