// HBONE server: TLS 1.3 with a verified client certificate, then HTTP/2, then one tunnel per CONNECT stream.
// The application decides each tunnel in a callback that returns a connected Duplex or a Refusal.
import http2, { type Http2Session, type ServerHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import tls, { type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '@ambient/core';
import { parseAuthority, type Authority } from './authority.js';
import { statusForRefusal, type Refusal } from './errors.js';
import { parseBaggage, parseForwarded, parseTraceParent, type Forwarded, type TraceParent } from './headers.js';
import { keepalive, type KeepaliveOptions } from './keepalive.js';
import { serverPeerIdentity, type TlsMaterial } from './peer.js';
import { CONNECTION_WINDOW, SERVER_SETTINGS, TLS_BASE, TCP_KEEPALIVE_IDLE_MS } from './settings.js';
import { splice, type SpliceCounters, type SpliceResult } from './splice.js';
import type { ConfigureSocket } from './tcp.js';

export interface TunnelRequest {
  readonly authority: Authority;
  /** The peer's SPIFFE ID (first URI SAN of its verified certificate). */
  readonly peerIdentity: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The address the peer dialled (which local workload it wants, in ztunnel). */
  readonly localAddress: string;
  readonly forwarded: Forwarded;
  readonly baggage: Readonly<Record<string, string>>;
  readonly traceParent: TraceParent | undefined;
  /** `x-forwarded-network`, set only on the inner CONNECT of double HBONE. */
  readonly forwardedNetwork: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

export interface TunnelDone {
  readonly request: TunnelRequest;
  readonly result: SpliceResult;
}

export type TunnelHandler = (request: TunnelRequest) => Promise<Duplex | Refusal> | Duplex | Refusal;

export interface HboneServerOptions {
  /** The server's own certificate (chain), key and trust bundle. */
  readonly tls: TlsMaterial;
  readonly handler: TunnelHandler;
  /** Called once per tunnel the handler accepted, when it ends, with byte counts (for logs and metrics). */
  readonly onTunnelDone?: (done: TunnelDone) => void;
  /** Headers the 200 of an accepted tunnel carries besides `:status` (ztunnel: `baggage` describing the destination). */
  readonly responseHeaders?: (request: TunnelRequest) => Readonly<Record<string, string>> | undefined;
  /** Called when a tunnel opens, with live byte counters. */
  readonly onTunnelOpen?: (request: TunnelRequest, counters: SpliceCounters) => void;
  readonly handshakeTimeoutMs?: number;
  readonly keepalive?: KeepaliveOptions;
  /**
   * Socket options of each TCP connection this server accepts on its own listener (not of those handed to `serve`,
   * whose caller accepted them); default keepalive after TCP_KEEPALIVE_IDLE_MS. One that throws closes the socket.
   */
  readonly configureSocket?: ConfigureSocket;
  readonly log?: Logger;
  /** Called once per accepted session (its `socket` is the verified TLS socket): e.g. to re-check the peer later. */
  readonly onSession?: (session: Http2Session) => void;
  /**
   * Called when a handshake fails; `authorizationError` is OpenSSL's verdict on the client's chain when that is why
   * (e.g. `CERT_REVOKED`), undefined otherwise.
   */
  readonly onHandshakeError?: (err: Error, authorizationError: string | undefined) => void;
}

export class HboneServer {
  readonly #options: HboneServerOptions;
  readonly #tlsServer: tls.Server;
  readonly #h2: http2.Http2Server;
  readonly #sessions = new Set<Http2Session>();
  /** Who is on the other end of each session, read once per session rather than once per stream. */
  readonly #peers = new WeakMap<Http2Session, SessionPeer>();
  #material: TlsMaterial;
  /** True while `serve` hands a socket its caller accepted (and configured) to the TLS server. */
  #handedOver = false;

  constructor(options: HboneServerOptions) {
    this.#options = options;
    this.#h2 = http2.createServer({ settings: SERVER_SETTINGS, maxSessionMemory: 64 });
    this.#h2.on('session', (session) => this.#adopt(session));
    this.#h2.on('stream', (stream, headers) => void this.#onStream(stream, headers));
    this.#tlsServer = tls.createServer({
      ...TLS_BASE,
      ...options.tls,
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      // Small frames (a 200, a WINDOW_UPDATE) must not wait for Nagle.
      noDelay: true,
      ...(options.configureSocket ? {} : { keepAlive: true, keepAliveInitialDelay: TCP_KEEPALIVE_IDLE_MS }),
    });
    this.#material = options.tls;
    const configureSocket = options.configureSocket;
    // Before TLS's own listener: a socket the hook refuses is closed before its handshake starts.
    if (configureSocket) this.#tlsServer.prependListener('connection', (socket: Socket) => this.#configure(socket, configureSocket));
    this.#tlsServer.on('secureConnection', (socket) => this.#onSecureConnection(socket));
    this.#tlsServer.on('tlsClientError', (err, socket) => {
      // A refused client chain ends the handshake as a hang-up: OpenSSL's reason is on the socket.
      const reason = socket.authorizationError as unknown;
      const authorizationError = typeof reason === 'string' ? reason : undefined;
      options.log?.debug({ err: err.message, peer: socket.remoteAddress, ...(authorizationError ? { authorizationError } : {}) }, 'HBONE TLS handshake failed');
      options.onHandshakeError?.(err, authorizationError);
      // With a listener attached Node leaves the socket open (e.g. after a handshake timeout): close it here.
      socket.destroy();
    });
  }

  /** Serves an already-accepted TCP connection (for callers that own the listening socket). */
  serve(socket: Duplex): void {
    this.#handedOver = true;
    try {
      this.#tlsServer.emit('connection', socket);
    } finally {
      this.#handedOver = false;
    }
  }

  #configure(socket: Socket, configureSocket: ConfigureSocket): void {
    if (this.#handedOver) return;
    try {
      configureSocket(socket);
    } catch (err) {
      this.#options.log?.debug({ err: (err as Error).message, peer: socket.remoteAddress }, 'HBONE socket options refused');
      socket.destroy();
    }
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#tlsServer.once('error', reject);
      this.#tlsServer.listen(port, host, () => {
        this.#tlsServer.off('error', reject);
        resolve(this.#tlsServer.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo | undefined {
    return (this.#tlsServer.address() as AddressInfo | null) ?? undefined;
  }

  /** Replaces the certificate for new connections (rotation); live sessions keep theirs. */
  updateTls(material: TlsMaterial): void {
    this.#material = material;
    this.#tlsServer.setSecureContext({ ...TLS_BASE, ...material });
  }

  /**
   * Stops accepting, sends GOAWAY on every session and lets open tunnels finish; after `deadlineMs` the rest are
   * cut. Resolves when every session has closed.
   */
  async drain(deadlineMs = 5_000): Promise<void> {
    this.#tlsServer.close();
    await this.closeSessions(deadlineMs);
  }

  /**
   * GOAWAY on every current session while still accepting new ones, with no deadline: open tunnels finish, new ones
   * come on new connections (a new TLS context, e.g. a new revocation list, applies to them).
   */
  retireSessions(): void {
    for (const session of this.#sessions) session.close();
  }

  /** GOAWAY on every current session while still accepting new ones; cut what is left after `deadlineMs`. */
  async closeSessions(deadlineMs = 5_000): Promise<void> {
    const closed = [...this.#sessions].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))));
    this.retireSessions();
    const timer = setTimeout(() => {
      for (const session of this.#sessions) session.destroy();
    }, deadlineMs);
    await Promise.all(closed);
    clearTimeout(timer);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  #onSecureConnection(socket: TLSSocket): void {
    const peer = serverPeerIdentity(socket, this.#material);
    if ('error' in peer) {
      this.#options.log?.warn({ peer: socket.remoteAddress, reason: peer.error }, 'HBONE peer refused');
      socket.destroy();
      return;
    }
    (socket as TLSSocket & { [PEER_IDENTITY]?: string })[PEER_IDENTITY] = peer.identity;
    this.#h2.emit('connection', socket);
  }

  #adopt(session: Http2Session): void {
    this.#sessions.add(session);
    // session.socket is a proxy of the TLS socket (each read is a trap call); a symbol property reads through it.
    const socket = session.socket as (TLSSocket & { [PEER_IDENTITY]?: string }) | undefined;
    const identity = socket?.[PEER_IDENTITY];
    if (socket && identity !== undefined) {
      this.#peers.set(session, { identity, remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0, localAddress: socket.localAddress ?? '' });
    }
    session.once('close', () => this.#sessions.delete(session));
    session.on('error', (err) => this.#options.log?.debug({ err: err.message }, 'HBONE session error'));
    keepalive(session, this.#options.keepalive);
    // SETTINGS only carry the stream window; the connection window grows by a WINDOW_UPDATE.
    session.once('connect', () => setConnectionWindow(session));
    setConnectionWindow(session);
    this.#options.onSession?.(session);
  }

  async #onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    stream.on('error', () => undefined);
    const peer = stream.session ? this.#peers.get(stream.session) : undefined;
    if (!peer) return refuse(stream, 400);
    if (headers[':method'] !== 'CONNECT') return refuse(stream, 400);
    const authority = parseAuthority(String(headers[':authority'] ?? ''), { allowHostname: true });
    if (!authority) return refuse(stream, 400);
    const request: TunnelRequest = {
      authority,
      peerIdentity: peer.identity,
      remoteAddress: peer.remoteAddress,
      remotePort: peer.remotePort,
      localAddress: peer.localAddress,
      forwarded: parseForwarded(header(headers, 'forwarded')),
      baggage: parseBaggage(header(headers, 'baggage')),
      traceParent: parseTraceParent(header(headers, 'traceparent')),
      forwardedNetwork: header(headers, 'x-forwarded-network'),
      headers,
    };
    let answer: Duplex | Refusal;
    try {
      answer = await this.#options.handler(request);
    } catch (err) {
      this.#options.log?.warn({ err: (err as Error).message, authority: headers[':authority'] }, 'HBONE handler failed');
      return refuse(stream, 503);
    }
    if (!isDuplex(answer)) return refuse(stream, statusForRefusal(answer));
    if (stream.destroyed || stream.closed) {
      // The client went away while the handler connected: what the handler set up for this tunnel ends here too.
      answer.destroy();
      this.#options.onTunnelDone?.({ request, result: { aToB: 0, bToA: 0, error: new Error('the CONNECT stream closed before the tunnel opened') } });
      return;
    }
    const extra = this.#options.responseHeaders?.(request);
    stream.respond(extra ? { ...extra, ':status': 200 } : { ':status': 200 });
    const counters: SpliceCounters = { aToB: 0, bToA: 0 };
    this.#options.onTunnelOpen?.(request, counters);
    const result = await splice(stream, answer, counters);
    this.#options.onTunnelDone?.({ request, result });
  }
}

const PEER_IDENTITY = Symbol('hbone.peerIdentity');

interface SessionPeer {
  readonly identity: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
}

function setConnectionWindow(session: Http2Session): void {
  try {
    session.setLocalWindowSize(CONNECTION_WINDOW);
  } catch {
    // Not connected yet (retried on 'connect') or already closed.
  }
}

function refuse(stream: ServerHttp2Stream, status: number): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond({ ':status': status }, { endStream: true });
  // Drain whatever the client sends so the stream closes without a reset.
  stream.resume();
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isDuplex(value: Duplex | Refusal): value is Duplex {
  return typeof (value as Duplex).pipe === 'function';
}
