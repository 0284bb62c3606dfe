// The generic delta ADS client: one stream to the control plane, a cache per resource type, ACK/NACK, reconnect.
import { status as grpcStatus, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import { createLogger, type Logger } from '@ambient/core';
import { AggregatedDiscoveryClient, callMetadata, channelCredentials, channelOptions, type ChannelTls } from '@ambient/grpc';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, Node } from '@ambient/api/xds';
import { Backoff, retriesImmediately, type BackoffOptions } from './backoff.js';
import { XdsClientError } from './errors.js';
import { buildNode, type NodeOptions } from './node.js';
import { resourceBytes, terminationReason, type TerminationReason, type XdsObserver } from './observer.js';
import { ackRequest, openerRequest, subscriptionRequest } from './requests.js';
import type { ResourceType } from './resource-type.js';
import { decodeResponse, nackMessage, type Batch } from './response.js';
import { TypeState, type Watcher } from './type-state.js';

/** The single writer's hook: called once per response; returns the names it refuses (they go into the NACK). */
export type BatchHandler = (batch: Batch) => ReadonlyMap<string, string> | void;

export interface TypeRegistration {
  readonly type: ResourceType<unknown>;
  /** Subscribe to nothing at first, then one name per lookup (§3.2). */
  readonly onDemand?: boolean;
}

export interface XdsClientOptions {
  /** `host:port`, no scheme. */
  readonly address: string;
  readonly tls: ChannelTls;
  /** Bearer token, or a function read at every (re)connect so a rotated token file is picked up. */
  readonly token?: string | (() => string | undefined);
  readonly node: NodeOptions;
  readonly types: readonly TypeRegistration[];
  readonly onBatch?: BatchHandler;
  readonly backoff?: BackoffOptions;
  readonly logger?: Logger;
  /** Told of every response and every stream that ends (metrics); called synchronously, its errors logged. */
  readonly observer?: XdsObserver;
  /** More headers on the stream (Istio's XDS_HEADER_*), checked with @ambient/grpc's headerProblem. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ConnectionState {
  readonly connected: boolean;
  /** Connection attempts so far (streams opened, or tried when the token could not be read). */
  readonly attempts: number;
  readonly lastError?: { readonly code: number; readonly details: string };
}

type Stream = ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

export class XdsClient {
  readonly #options: XdsClientOptions;
  readonly #node: Node;
  readonly #types = new Map<string, TypeState<unknown>>();
  readonly #grpc: AggregatedDiscoveryClient;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  readonly #ready: Promise<void>;
  #markReady!: () => void;
  #stream: Stream | undefined;
  #timer: NodeJS.Timeout | undefined;
  #answeredOnStream = false;
  #lastRetryImmediate = false;
  #attempts = 0;
  #lastError: ConnectionState['lastError'];
  #closed = false;

  constructor(options: XdsClientOptions) {
    if (options.types.length === 0) throw new XdsClientError('XDS_CLIENT_ERR_BAD_OPTIONS', 'no resource types registered: pass at least one in `types`');
    this.#options = options;
    this.#node = buildNode(options.node);
    for (const { type, onDemand } of options.types) {
      if (this.#types.has(type.typeUrl)) throw new XdsClientError('XDS_CLIENT_ERR_BAD_OPTIONS', `type ${type.typeUrl} registered twice`);
      this.#types.set(type.typeUrl, new TypeState(type, onDemand ?? false));
    }
    // grpc-js paces reconnects of the channel itself (1 s first): hand it the same §3.1 bounds so ours is what counts.
    this.#grpc = new AggregatedDiscoveryClient(options.address, channelCredentials(options.tls, options.address), {
      ...channelOptions(options.tls, options.address),
      'grpc.initial_reconnect_backoff_ms': options.backoff?.initialMs ?? 10,
      'grpc.max_reconnect_backoff_ms': options.backoff?.maxMs ?? 15_000,
    });
    this.#backoff = new Backoff(options.backoff);
    this.#log = options.logger ?? createLogger({ name: 'xds-client' });
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#connect();
  }

  get nodeId(): string {
    return this.#node.id;
  }

  /** Resolves after the first response of every non-on-demand type was processed and answered (ACK or NACK). */
  ready(): Promise<void> {
    return this.#ready;
  }

  connectionState(): ConnectionState {
    return { connected: this.#answeredOnStream, attempts: this.#attempts, ...(this.#lastError ? { lastError: this.#lastError } : {}) };
  }

  /** The cached value, if any (a store lookup: never touches the network). */
  find<T>(type: ResourceType<T>, name: string): T | undefined {
    return this.#state(type).find(name);
  }

  /** Every accepted resource of the type, as a new map. */
  snapshot<T>(type: ResourceType<T>): Map<string, T> {
    return this.#state(type).snapshot();
  }

  /** Watches one resource; on an on-demand type this subscribes the name. Returns the cancel function. */
  watch<T>(type: ResourceType<T>, name: string, watcher: Watcher<T>): () => void {
    this.#assertOpen();
    const state = this.#state(type);
    const cancel = state.addWatcher(name, watcher);
    if (state.onDemand) this.subscribe(type, name);
    return cancel;
  }

  /** Adds one name to an on-demand subscription (a no-op when already subscribed). */
  subscribe<T>(type: ResourceType<T>, name: string): void {
    this.#assertOpen();
    if (this.#onDemandState(type).demand(name)) this.#send(subscriptionRequest(type.typeUrl, [name], []));
  }

  /** Drops one name from an on-demand subscription and from the cache. */
  unsubscribe<T>(type: ResourceType<T>, name: string): void {
    if (this.#onDemandState(type).undemand(name)) this.#send(subscriptionRequest(type.typeUrl, [], [name]));
  }

  /** Looks a resource up, asking the server for it on an on-demand type; undefined when it does not exist. */
  fetch<T>(type: ResourceType<T>, name: string, timeoutMs = 5_000): Promise<T | undefined> {
    if (this.#closed) return Promise.reject(closedError());
    const state = this.#state(type);
    if (state.known(name) && !state.onDemand) return Promise.resolve(state.find(name));
    return new Promise<T | undefined>((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        cancel();
        fn();
      };
      const timer = setTimeout(
        () => done(() => reject(new XdsClientError('XDS_CLIENT_ERR_TIMEOUT', `no answer for ${type.typeUrl} ${name} within ${timeoutMs} ms: is the control plane reachable?`))),
        timeoutMs,
      );
      const cancel = this.watch(type, name, {
        onChanged: (value) => done(() => resolve(value)),
        onRemoved: () => done(() => resolve(undefined)),
        onError: (err) => done(() => reject(err)),
      });
    });
  }

  /** Ends the stream; pending lookups and watchers still waiting for a first value get XDS_CLIENT_ERR_CLOSED. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const state of this.#types.values()) state.streamFailed(closedError());
    clearTimeout(this.#timer);
    this.#stream?.cancel();
    this.#grpc.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  #state<T>(type: ResourceType<T>): TypeState<T> {
    const state = this.#types.get(type.typeUrl);
    if (!state) throw new XdsClientError('XDS_CLIENT_ERR_UNKNOWN_TYPE', `type ${type.typeUrl} is not registered with this client: add it to \`types\``);
    return state as TypeState<T>;
  }

  #onDemandState<T>(type: ResourceType<T>): TypeState<T> {
    const state = this.#state(type);
    if (!state.onDemand) throw new XdsClientError('XDS_CLIENT_ERR_NOT_ON_DEMAND', `type ${type.typeUrl} is subscribed by wildcard: register it with onDemand to look names up one by one`);
    return state;
  }

  #connect(): void {
    if (this.#closed) return;
    this.#attempts++;
    this.#answeredOnStream = false;
    let token: string | undefined;
    try {
      token = typeof this.#options.token === 'function' ? this.#options.token() : this.#options.token;
    } catch (err) {
      // An unreadable token file is retried like a failed connection rather than crashing the proxy.
      this.#lastError = { code: grpcStatus.UNAUTHENTICATED, details: `token unavailable: ${err instanceof Error ? err.message : String(err)}` };
      this.#log.error({ err }, 'cannot read the xDS token; retrying');
      this.#terminated('ConnectionError');
      this.#timer = setTimeout(() => this.#connect(), this.#backoff.next());
      return;
    }
    const stream = this.#grpc.deltaAggregatedResources(callMetadata(token, this.#options.node.clusterId, this.#options.headers)) as Stream;
    this.#stream = stream;
    // Response headers mean the server took the stream; a close before them is a connection error (trailers-only).
    let opened = false;
    stream.on('metadata', () => (opened = true));
    stream.on('data', (response: DeltaDiscoveryResponse) => {
      opened = true;
      this.#onResponse(stream, response);
    });
    stream.on('error', () => undefined); // the 'status' event carries the same information
    stream.on('status', (s: StatusObject) => this.#onClosed(stream, s, opened));
    for (const state of this.#types.values()) {
      stream.write(openerRequest({
        node: this.#node,
        typeUrl: state.type.typeUrl,
        onDemand: state.onDemand,
        names: state.demandedNames(),
        initialVersions: state.initialVersions(),
      }));
    }
    if (![...this.#types.values()].some((s) => !s.onDemand)) this.#markReady();
  }

  #send(request: DeltaDiscoveryRequest): void {
    this.#stream?.write(request);
  }

  #onResponse(stream: Stream, response: DeltaDiscoveryResponse): void {
    if (stream !== this.#stream) return;
    const observer = this.#options.observer;
    if (observer?.message) this.#observe(() => observer.message?.(response.typeUrl, resourceBytes(response)));
    if (!this.#answeredOnStream) {
      this.#answeredOnStream = true;
      this.#lastRetryImmediate = false;
      this.#backoff.reset();
    }
    const state = this.#types.get(response.typeUrl);
    if (!state) {
      this.#log.warn({ typeUrl: response.typeUrl }, 'response for a type this client did not subscribe to');
      stream.write(ackRequest(response.typeUrl, response.nonce, `unknown type URL ${response.typeUrl || '(empty)'}`));
      return;
    }
    const decoded = decodeResponse(state.type, response);
    const batch = state.batchOf(decoded);
    const rejected = new Map(decoded.rejected);
    for (const [name, reason] of this.#consumerRejections(batch)) rejected.set(name, reason);
    state.apply(decoded, batch, rejected);
    if (rejected.size > 0) this.#log.warn({ typeUrl: response.typeUrl, rejected: rejected.size }, 'NACK: some resources rejected');
    stream.write(ackRequest(response.typeUrl, response.nonce, rejected.size > 0 ? nackMessage(rejected) : undefined));
    if ([...this.#types.values()].every((s) => s.onDemand || s.answered)) this.#markReady();
  }

  #consumerRejections(batch: Batch): ReadonlyMap<string, string> {
    const handler = this.#options.onBatch;
    if (!handler || (batch.changed.length === 0 && batch.removed.length === 0)) return new Map();
    try {
      return handler(batch) ?? new Map();
    } catch (err) {
      const reason = `consumer failed: ${err instanceof Error ? err.message : String(err)}`;
      this.#log.error({ err, typeUrl: batch.typeUrl }, 'batch handler threw; rejecting the whole batch');
      return new Map(batch.changed.map((c) => [c.name, reason]));
    }
  }

  #terminated(reason: TerminationReason): void {
    const observer = this.#options.observer;
    if (observer?.terminated) this.#observe(() => observer.terminated?.(reason));
  }

  /** An observer is someone else's code: what it throws is logged, and the stream carries on. */
  #observe(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.#log.warn({ err }, 'xDS observer threw; ignored');
    }
  }

  #onClosed(stream: Stream, closed: StatusObject, opened: boolean): void {
    if (stream !== this.#stream || this.#closed) return;
    this.#stream = undefined;
    this.#lastError = { code: closed.code, details: closed.details };
    this.#terminated(terminationReason(closed, opened));
    const error = new XdsClientError('XDS_CLIENT_ERR_STREAM', `xDS stream to ${this.#options.address} closed: ${grpcStatus[closed.code] ?? closed.code} ${closed.details}`);
    for (const state of this.#types.values()) state.streamFailed(error);
    // Immediate once; a second benign close without any response in between backs off, so a server that keeps
    // resetting us cannot make this loop hot.
    const immediate = retriesImmediately(closed) && !this.#lastRetryImmediate;
    this.#lastRetryImmediate = immediate;
    const delay = immediate ? 0 : this.#backoff.next();
    this.#log.warn({ code: closed.code, details: closed.details, delayMs: delay }, 'xDS stream closed; reconnecting');
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
}

function closedError(): XdsClientError {
  return new XdsClientError('XDS_CLIENT_ERR_CLOSED', 'the xDS client was closed: create a new one to subscribe again');
}
