// HTTP/2 and TLS settings of the HBONE transport, as Istio's ztunnel sets them (reference §2.1–2.2).
import type { Settings } from 'node:http2';

export const HBONE_PORT = 15008;
const MiB = 1024 * 1024;

export const STREAM_WINDOW = 4 * MiB;
export const CONNECTION_WINDOW = 16 * MiB;
export const MAX_FRAME_SIZE = 1 * MiB;
export const SERVER_MAX_CONCURRENT_STREAMS = 200;
/** Pool limit per connection; the peer's SETTINGS_MAX_CONCURRENT_STREAMS lowers it. */
export const POOL_MAX_STREAMS_PER_CONNECTION = 100;
export const PING_INTERVAL_MS = 10_000;
export const PING_TIMEOUT_MS = 20_000;
export const POOL_IDLE_TIMEOUT_MS = 5 * 60_000;

export const SERVER_SETTINGS: Settings = {
  initialWindowSize: STREAM_WINDOW,
  maxFrameSize: MAX_FRAME_SIZE,
  maxConcurrentStreams: SERVER_MAX_CONCURRENT_STREAMS,
  maxHeaderListSize: 64 * 1024,
  enablePush: false,
};

export const CLIENT_SETTINGS: Settings = {
  initialWindowSize: STREAM_WINDOW,
  maxFrameSize: MAX_FRAME_SIZE,
  maxHeaderListSize: 16 * 1024,
  enablePush: false,
};

/** TLS 1.3 only, AES-GCM suites, ALPN h2. */
export const TLS_BASE = {
  minVersion: 'TLSv1.3',
  maxVersion: 'TLSv1.3',
  ciphersuites: 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256',
  ALPNProtocols: ['h2'],
} as const;

/**
 * TCP keepalive on every data-path socket, after this long idle (ztunnel's KEEPALIVE_TIME, 180 s): a peer that
 * vanished without a FIN is found, and NAT or conntrack entries of idle long-lived connections are kept.
 */
export const TCP_KEEPALIVE_IDLE_MS = 180_000;
