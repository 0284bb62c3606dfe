// @ambient/ztunnel: the per-node L4 proxy: HBONE in and out, SOCKS5 and plaintext capture, L4 authorization, workload certificates, admin.
export { readZtunnelConfig, ZTUNNEL_FLAGS } from './config.js';
export type { CaptureMode, ZtunnelConfig } from './config.js';
export { ZtunnelError } from './errors.js';
export type { ZtunnelErrorCode } from './errors.js';
