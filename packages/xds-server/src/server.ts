// The delta ADS server: resources per type for the control plane, one Connection per stream, debounced pushes.
import { status, type Metadata, type Server } from '@grpc/grpc-js';
import type { DescMessage } from '@bufbuild/protobuf';
import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '@ambient/core';
import { AddressSchema } from '@ambient/api/workload';
import { AuthorizationSchema } from '@ambient/api/security';
import type { DeltaDiscoveryRequest } from '@ambient/api/xds';
import { Connection, type AdsCall, type SyncStatus } from './connection.js';
import { XdsServerError } from './errors.js';
import { ResourceStore, type ResourceEntry } from './resource-store.js';
import { adsServiceDefinition } from './response-encoder.js';

/** What the authentication hook decides for a new stream. */
export type AuthResult<I> = { readonly identity: I } | { readonly refusal: string };
export type Authenticate<I> = (metadata: Metadata, peer: string) => AuthResult<I> | Promise<AuthResult<I>>;

export interface XdsServerOptions<I> {
  /** How long config changes gather before one push (default 10 ms). */
  readonly debounceMs?: number;
  /** Runs once per stream before any request is served; without it every stream is accepted. */
  readonly authenticate?: Authenticate<I>;
  /** Schemas for resources given as messages (default: istio.workload.Address, istio.security.Authorization). */
  readonly schemas?: readonly DescMessage[];
  /** Sent as `control_plane.identifier` in every response. */
  readonly controlPlaneId?: string;
  readonly logger?: Logger;
}

export class XdsServer<I = undefined> {
  readonly #store: ResourceStore;
  readonly #connections = new Set<Connection<I>>();
  readonly #pending = new Map<string, Set<string>>();
  readonly #debounceMs: number;
  readonly #authenticate: Authenticate<I>;
  readonly #controlPlane: string;
  readonly #log: Logger;
  readonly #boot = randomBytes(3).toString('hex');
  #timer: NodeJS.Timeout | undefined;
  #nonces = 0;
  #streams = 0;

  constructor(options: XdsServerOptions<I> = {}) {
    const debounceMs = options.debounceMs ?? 10;
    if (!(debounceMs >= 0)) throw new XdsServerError('XDS_SERVER_ERR_BAD_OPTIONS', `debounceMs must be a non-negative number, got ${debounceMs}`);
    this.#debounceMs = debounceMs;
    this.#store = new ResourceStore(options.schemas ?? [AddressSchema, AuthorizationSchema]);
    this.#authenticate = options.authenticate ?? (() => ({ identity: undefined as I }));
    this.#controlPlane = options.controlPlaneId ?? '';
    this.#log = options.logger ?? createLogger({ name: 'xds-server' });
  }

  /** Adds the ADS service to a grpc-js server (which may also serve the CA on the same port). */
  register(server: Server): void {
    server.addService(adsServiceDefinition, { deltaAggregatedResources: (call: AdsCall) => this.#serve(call) });
  }

  /** Replaces every resource of a type; only what changed is pushed. */
  setResources(typeUrl: string, resources: ReadonlyMap<string, ResourceEntry>): void {
    this.#queue(typeUrl, this.#store.replace(typeUrl, resources));
  }

  /** Adds or changes one resource; `{ resource, aliases }` also serves it to streams that subscribed an alias. */
  upsert(typeUrl: string, name: string, entry: ResourceEntry): void {
    if (this.#store.upsert(typeUrl, name, entry)) this.#queue(typeUrl, [name]);
  }

  remove(typeUrl: string, name: string): void {
    if (this.#store.remove(typeUrl, name)) this.#queue(typeUrl, [name]);
  }

  /** The content-hash version the server holds for a resource. */
  versionOf(typeUrl: string, name: string): string | undefined {
    return this.#store.get(typeUrl, name)?.version;
  }

  /** The data behind `/debug/syncz` and `proxy-status`: one row per stream that has sent its node. */
  syncStatus(): SyncStatus[] {
    return [...this.#connections].map((c) => c.syncStatus()).filter((s) => s.id !== '');
  }

  /** Responses written per stream, by node id (shows coalescing under backpressure). */
  writesByNode(): Map<string, number> {
    return new Map([...this.#connections].map((c) => [c.syncStatus().node, c.writes]));
  }

  /** Ends every stream with UNAVAILABLE so clients reconnect elsewhere; the caller shuts the gRPC server down. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const c of this.#connections) c.end(status.UNAVAILABLE, 'xDS server shutting down');
    this.#connections.clear();
  }

  #queue(typeUrl: string, names: readonly string[]): void {
    if (names.length === 0) return;
    let set = this.#pending.get(typeUrl);
    if (!set) this.#pending.set(typeUrl, (set = new Set()));
    for (const name of names) set.add(name);
    // A window from the first change, not reset by later ones, so a steady trickle cannot postpone pushes forever.
    this.#timer ??= setTimeout(() => this.#push(), this.#debounceMs);
  }

  #push(): void {
    this.#timer = undefined;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const conn of this.#connections) for (const [typeUrl, names] of pending) conn.changed(typeUrl, names);
  }

  #serve(call: AdsCall): void {
    const stream = ++this.#streams;
    let conn: Connection<I> | undefined;
    const fail = (code: status, details: string) => {
      if (conn) this.#drop(conn);
      call.emit('error', Object.assign(new Error(details), { code, details }));
    };
    const authenticated = Promise.resolve()
      .then(() => this.#authenticate(call.metadata, call.getPeer()))
      .then((result) => {
        if ('refusal' in result) return fail(status.UNAUTHENTICATED, result.refusal);
        conn = new Connection(call, result.identity, {
          store: this.#store,
          controlPlane: this.#controlPlane,
          nextNonce: () => `${this.#boot}-${(++this.#nonces).toString(36)}`,
        });
        this.#connections.add(conn);
      })
      .catch((err: unknown) => {
        this.#log.error({ err }, 'authentication hook threw');
        fail(status.INTERNAL, 'authentication failed on the server');
      });
    call.on('data', (request: DeltaDiscoveryRequest) => {
      void authenticated.then(() => {
        if (!conn || conn.closed) return;
        const problem = conn.onRequest(request, () => String(stream));
        if (problem) fail(status.INVALID_ARGUMENT, problem);
      });
    });
    call.on('end', () => {
      if (conn) this.#drop(conn);
      call.end();
    });
    call.on('cancelled', () => conn && this.#drop(conn));
    call.on('close', () => conn && this.#drop(conn));
  }

  #drop(conn: Connection<I>): void {
    conn.close();
    this.#connections.delete(conn);
  }
}
