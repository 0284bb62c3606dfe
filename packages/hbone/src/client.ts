// HBONE client: `connect()` returns a Duplex tunnel once the destination answers 200. Tunnels share pooled
// sessions; the inner tunnel of double HBONE gets a session of its own inside the outer tunnel (never pooled).
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { newTraceParent } from './headers.js';
import type { KeepaliveOptions } from './keepalive.js';
import { identityOf, type TlsMaterial } from './peer.js';
import { HbonePool, type Lease, type PoolKey, type PoolOptions } from './pool.js';
import { openSession, requestTunnel, type NextHop } from './session.js';
import type { ConfigureSocket, OpenSocket } from './tcp.js';

export interface ConnectRequest {
  /** Where to dial: the destination's ip:15008, a waypoint or an east-west gateway. */
  readonly nextHop: NextHop;
  /** `:authority` of the CONNECT: the final destination ip:port (hostname:port through a gateway). */
  readonly authority: string;
  /** The server certificate must carry one of these SPIFFE IDs. */
  readonly expectedIdentities: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  /** Local address to dial from (the source workload's own IP in loopback mode). */
  readonly sourceIp?: string;
}

export interface DoubleConnectRequest {
  /** The east-west gateway: outer, pooled tunnel. */
  readonly gateway: ConnectRequest;
  /** The destination behind it: inner tunnel, never pooled, `x-forwarded-network` set. */
  readonly inner: Omit<ConnectRequest, 'nextHop' | 'sourceIp'> & { readonly forwardedNetwork: string };
}

export interface HboneClientOptions {
  /** The source workload's certificate chain, key and trust bundle. */
  readonly tls: TlsMaterial;
  readonly pool?: PoolOptions;
  readonly connectTimeoutMs?: number;
  readonly keepalive?: KeepaliveOptions;
  /** Adds a fresh `traceparent` to each CONNECT, as ztunnel does (default true). */
  readonly traceParent?: boolean;
  /**
   * How a session leaving from `sourceIp` opens its TCP socket, when not by binding that address: a transparent
   * socket for an address this host does not own (transparent capture). Undefined: bind `sourceIp` as usual.
   */
  readonly openSocket?: (sourceIp: string, nextHop: NextHop) => OpenSocket | undefined;
  /** Socket options of each session's TCP connection; default keepalive after TCP_KEEPALIVE_IDLE_MS. */
  readonly configureSocket?: ConfigureSocket;
  /** Called once per session opened, pooled or inner (its `socket` is the verified TLS socket). */
  readonly onSession?: (session: ClientHttp2Session) => void;
}

export class HboneClient {
  readonly #options: HboneClientOptions;
  readonly #pool: HbonePool;
  #tls: TlsMaterial;
  #sourceIdentity: string;

  constructor(options: HboneClientOptions) {
    this.#options = options;
    this.#pool = new HbonePool(options.pool);
    this.#tls = options.tls;
    this.#sourceIdentity = identityOf(options.tls);
  }

  /** New sessions use the new certificate (rotation); pooled ones keep theirs until they close. */
  updateTls(material: TlsMaterial): void {
    this.#tls = material;
    this.#sourceIdentity = identityOf(material);
  }

  connect(request: ConnectRequest): Promise<ClientHttp2Stream> {
    const key: PoolKey = {
      sourceIdentity: this.#sourceIdentity,
      expectedIdentities: request.expectedIdentities,
      nextHop: `${request.nextHop.host}:${request.nextHop.port}`,
      ...(request.sourceIp ? { sourceIp: request.sourceIp } : {}),
    };
    // A pooled session with room (the usual case) sends the CONNECT now, without waiting a turn for a lease.
    const lease = this.#pool.lease(key);
    if (lease) return this.#tunnel(lease, request);
    const tls = this.#tls;
    const open = () => {
      const openSocket = request.sourceIp ? this.#options.openSocket?.(request.sourceIp, request.nextHop) : undefined;
      return openSession({
        nextHop: request.nextHop,
        tls,
        expectedIdentities: request.expectedIdentities,
        ...(request.sourceIp ? { sourceIp: request.sourceIp } : {}),
        ...(openSocket ? { openSocket } : {}),
        ...(this.#options.configureSocket ? { configureSocket: this.#options.configureSocket } : {}),
        ...this.#timeouts(),
      }).then((session) => this.#opened(session));
    };
    return this.#pool.checkout(key, open).then((leased) => this.#tunnel(leased, request));
  }

  /** The CONNECT on a leased session; the lease ends with the stream (or at once if the CONNECT fails). */
  #tunnel(lease: Lease, request: ConnectRequest): Promise<ClientHttp2Stream> {
    return requestTunnel(lease.session, this.#tunnelOptions(request)).then(
      (stream) => {
        stream.once('close', () => lease.release());
        return stream;
      },
      (err: unknown) => {
        lease.release();
        throw err;
      },
    );
  }

  /** Double HBONE: TLS and CONNECT inside a CONNECT to an east-west gateway. */
  async connectDouble(request: DoubleConnectRequest): Promise<ClientHttp2Stream> {
    const outer = await this.connect(request.gateway);
    try {
      const session = await openSession({
        nextHop: request.gateway.nextHop,
        tls: this.#tls,
        expectedIdentities: request.inner.expectedIdentities,
        socket: outer,
        ...this.#timeouts(),
      }).then((opened) => this.#opened(opened));
      const headers = { ...request.inner.headers, 'x-forwarded-network': request.inner.forwardedNetwork };
      const inner = await requestTunnel(session, this.#tunnelOptions({ ...request.inner, headers })).catch((err: unknown) => {
        session.close();
        throw err;
      });
      inner.once('close', () => session.close());
      session.once('close', () => outer.end());
      return inner;
    } catch (err) {
      outer.destroy();
      throw err;
    }
  }

  poolStats(): ReturnType<HbonePool['stats']> {
    return this.#pool.stats();
  }

  /** GOAWAY on every pooled session; open tunnels finish. */
  close(): void {
    this.#pool.close();
  }

  /** GOAWAY on every pooled session: open tunnels finish, the next ones open new sessions with the current TLS. */
  retireSessions(): void {
    this.#pool.close();
  }

  #opened(session: ClientHttp2Session): ClientHttp2Session {
    this.#options.onSession?.(session);
    return session;
  }

  #timeouts() {
    return {
      ...(this.#options.connectTimeoutMs ? { timeoutMs: this.#options.connectTimeoutMs } : {}),
      ...(this.#options.keepalive ? { keepalive: this.#options.keepalive } : {}),
    };
  }

  #tunnelOptions(request: Pick<ConnectRequest, 'authority' | 'headers'>) {
    const headers = { ...(this.#options.traceParent === false ? {} : { traceparent: newTraceParent() }), ...request.headers };
    return {
      authority: request.authority,
      headers,
      ...(this.#options.connectTimeoutMs ? { timeoutMs: this.#options.connectTimeoutMs } : {}),
    };
  }
}
