// @ambient/hbone: HBONE (HTTP/2 CONNECT over mutual TLS 1.3) for proxies and for Node services that join a mesh.
export { HboneServer } from './server.js';
export type { HboneServerOptions, TunnelHandler, TunnelRequest, TunnelDone } from './server.js';
export { HboneClient } from './client.js';
export type { ConnectRequest, DoubleConnectRequest, HboneClientOptions } from './client.js';
export { HbonePool } from './pool.js';
export type { PoolKey, PoolOptions, Lease } from './pool.js';
export { openSession, requestTunnel } from './session.js';
export type { NextHop, SessionOptions, TunnelOptions } from './session.js';
export type { TlsMaterial } from './peer.js';
export { HboneError, errorForStatus, statusForRefusal } from './errors.js';
export type { HboneErrorCode, Refusal } from './errors.js';
export { parseAuthority, formatAuthority } from './authority.js';
export type { Authority } from './authority.js';
export { formatForwarded, parseForwarded, formatBaggage, parseBaggage, newTraceParent, parseTraceParent } from './headers.js';
export type { Forwarded, TraceParent } from './headers.js';
export { splice } from './splice.js';
export type { SpliceResult, SpliceCounters } from './splice.js';
export * as settings from './settings.js';
