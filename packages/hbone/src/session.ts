// Opening one HBONE session (mTLS 1.3 + HTTP/2) and one CONNECT tunnel on it. The peer's identity is checked
// inside the TLS handshake, so no CONNECT is ever sent to a peer that is not one of the expected identities.
import http2, { constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import tls, { type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseAuthority } from './authority.js';
import { errorForStatus, HboneError } from './errors.js';
import { keepalive, type KeepaliveOptions } from './keepalive.js';
import { checkServerIdentity, type TlsMaterial } from './peer.js';
import { CLIENT_SETTINGS, CONNECTION_WINDOW, TLS_BASE, TCP_KEEPALIVE_IDLE_MS } from './settings.js';
import type { ConfigureSocket, OpenSocket } from './tcp.js';

export interface NextHop {
  readonly host: string;
  readonly port: number;
}

export interface SessionOptions {
  readonly nextHop: NextHop;
  readonly tls: TlsMaterial;
  readonly expectedIdentities: readonly string[];
  /** Local address to bind (a workload's own IP in loopback mode). */
  readonly sourceIp?: string;
  /** Run TLS over this stream instead of dialling (the inner session of double HBONE). */
  readonly socket?: Duplex;
  /** Dial with a socket from here instead (one bound to a foreign `sourceIp` with IP_TRANSPARENT, say). */
  readonly openSocket?: OpenSocket;
  /** Socket options for the TCP connection (not for `socket`), instead of keepalive after TCP_KEEPALIVE_IDLE_MS. */
  readonly configureSocket?: ConfigureSocket;
  readonly timeoutMs?: number;
  readonly keepalive?: KeepaliveOptions;
}

/** Dials, completes mTLS with identity checks, and starts HTTP/2 with HBONE's settings. */
export async function openSession(options: SessionOptions): Promise<ClientHttp2Session> {
  const { nextHop, expectedIdentities } = options;
  const socket = await handshake(options);
  socket.setNoDelay(true);
  if (!options.socket) configure(socket, options.configureSocket, nextHop);
  const session = http2.connect(`http://${hostForUrl(nextHop.host)}:${nextHop.port}`, {
    createConnection: () => socket,
    settings: CLIENT_SETTINGS,
    maxSessionMemory: 64,
  });
  session.on('error', () => undefined);
  session.once('connect', () => {
    try {
      session.setLocalWindowSize(CONNECTION_WINDOW);
    } catch {
      // The session closed first: requests on it fail on their own.
    }
  });
  keepalive(session, options.keepalive);
  void expectedIdentities;
  return session;
}

/** The caller's socket options, or keepalive after TCP_KEEPALIVE_IDLE_MS; a hook that throws closes the socket. */
function configure(socket: TLSSocket, configureSocket: ConfigureSocket | undefined, nextHop: NextHop): void {
  if (!configureSocket) {
    socket.setKeepAlive(true, TCP_KEEPALIVE_IDLE_MS);
    return;
  }
  try {
    configureSocket(socket);
  } catch (err) {
    socket.destroy();
    throw new HboneError('HBONE_ERR_TLS', `cannot set socket options towards HBONE peer ${nextHop.host}:${nextHop.port}: ${(err as Error).message}`, { cause: err });
  }
}

function handshake(options: SessionOptions): Promise<TLSSocket> {
  const { nextHop, expectedIdentities, timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    let identityError: string | undefined;
    let tcp: Socket | undefined;
    if (!options.socket && options.openSocket) {
      try {
        tcp = options.openSocket({});
      } catch (err) {
        reject(new HboneError('HBONE_ERR_TLS', `cannot open a socket to HBONE peer ${nextHop.host}:${nextHop.port}: ${(err as Error).message}`, { cause: err }));
        return;
      }
      tcp.connect({ host: nextHop.host, port: nextHop.port });
    }
    const over = options.socket ?? tcp;
    const socket = tls.connect({
      ...TLS_BASE,
      ...options.tls,
      ...(over ? { socket: over } : { host: nextHop.host, port: nextHop.port }),
      ...(options.sourceIp && !tcp ? { localAddress: options.sourceIp } : {}),
      rejectUnauthorized: true,
      // No SNI: HBONE peers pick the certificate by the dialled address, not a name.
      servername: '',
      checkServerIdentity: (_host, cert) => {
        identityError = checkServerIdentity(cert as DetailedPeerCertificate, options.tls, expectedIdentities);
        return identityError ? new Error(identityError) : undefined;
      },
    });
    const timer = setTimeout(() => {
      // No SYN-ACK at all is what a NetworkPolicy dropping port 15008 looks like: say so, as ztunnel does.
      const message = (tcp ?? socket).connecting
        ? `connection to ${nextHop.host}:${nextHop.port} timed out after ${timeoutMs} ms, maybe a NetworkPolicy is blocking HBONE port ${nextHop.port}`
        : `TLS handshake with ${nextHop.host}:${nextHop.port} did not finish in ${timeoutMs} ms`;
      socket.destroy();
      tcp?.destroy();
      reject(new HboneError('HBONE_ERR_TIMEOUT', message));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      tcp?.destroy();
      reject(
        identityError
          ? new HboneError('HBONE_ERR_PEER_IDENTITY', `HBONE peer ${nextHop.host}:${nextHop.port}: ${identityError}`, { cause: err })
          : new HboneError('HBONE_ERR_TLS', `TLS with HBONE peer ${nextHop.host}:${nextHop.port} failed: ${err.message}`, { cause: err }),
      );
    });
  });
}

export interface TunnelOptions {
  readonly authority: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** Sends CONNECT and resolves with the stream once the 200 arrives; any other status is a typed error. */
export function requestTunnel(session: ClientHttp2Session, options: TunnelOptions): Promise<ClientHttp2Stream> {
  const { authority, timeoutMs = 10_000 } = options;
  if (!validAuthority(authority)) {
    return Promise.reject(new HboneError('HBONE_ERR_BAD_AUTHORITY', `CONNECT authority ${JSON.stringify(authority)} is not ip:port, [ipv6]:port or host:port`));
  }
  return new Promise((resolve, reject) => {
    let stream: ClientHttp2Stream;
    try {
      stream = session.request({ ...options.headers, ':method': 'CONNECT', ':authority': authority }, { endStream: false });
    } catch (err) {
      reject(new HboneError('HBONE_ERR_SESSION_CLOSED', `HBONE session unusable for CONNECT ${authority}: ${(err as Error).message}`, { cause: err }));
      return;
    }
    const timer = setTimeout(() => {
      stream.close(constants.NGHTTP2_CANCEL);
      reject(new HboneError('HBONE_ERR_TIMEOUT', `CONNECT ${authority} got no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(new HboneError('HBONE_ERR_STREAM_RESET', `CONNECT ${authority} failed: ${err.message}`, { cause: err }));
    };
    stream.once('error', onError);
    stream.once('close', () => onError(new Error(`stream closed (code ${stream.rstCode ?? 0}) before an answer`)));
    stream.once('response', (headers) => {
      clearTimeout(timer);
      stream.removeAllListeners('close');
      stream.off('error', onError);
      const status = Number(headers[':status']);
      if (status === 200) {
        resolve(stream);
        return;
      }
      stream.on('error', () => undefined);
      stream.resume();
      stream.end();
      reject(errorForStatus(status, authority));
    });
  });
}

/** Authorities already found valid: a proxy sends many CONNECTs to the same few destinations. Bounded. */
const validAuthorities = new Set<string>();
const VALID_AUTHORITIES_MAX = 4096;

function validAuthority(authority: string): boolean {
  if (validAuthorities.has(authority)) return true;
  if (!parseAuthority(authority, { allowHostname: true })) return false;
  if (validAuthorities.size >= VALID_AUTHORITIES_MAX) validAuthorities.clear();
  validAuthorities.add(authority);
  return true;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
