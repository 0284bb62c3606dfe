// Loads the native addon once, remembering why it could not be loaded so every later call can say so.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type NativeResult =
  | { readonly address: string; readonly port: number; readonly family: 4 | 6 }
  | { readonly errno: number; readonly syscall: string; readonly message: string };

export type NativeFailure = { readonly errno: number; readonly syscall: string; readonly message: string };

export interface NativeOriginalDst {
  originalDst(fd: number): NativeResult;
  /** Absent from an addon built before it existed (a stale build/): transparent sockets are then unavailable. */
  transparentSocket?(ip: string): number | NativeFailure;
  /** Absent from an addon built before it existed: keepalive is then left to Node's setKeepAlive. */
  setTcpKeepalive?(fd: number, enabled: boolean, idleSeconds: number, intervalSeconds: number, count: number, userTimeoutMs: number): undefined | NativeFailure;
  getTcpKeepalive?(fd: number): NativeTcpKeepalive | NativeFailure;
}

/** A socket's keepalive settings as the kernel holds them. */
export interface NativeTcpKeepalive {
  readonly enabled: boolean;
  readonly idleSeconds: number;
  readonly intervalSeconds: number;
  readonly count: number;
  /** 0: no user timeout (the kernel's retransmission limits decide). */
  readonly userTimeoutMs: number;
}

export type AddonStatus = { readonly available: true; readonly addon: NativeOriginalDst } | { readonly available: false; readonly reason: string };

const require = createRequire(import.meta.url);

/** Both src/ (from source) and dist/ (built) sit one level below the package root, next to build/. */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../build/Release/original_dst.node', import.meta.url));
const BUILD_ERROR_FILE = fileURLToPath(new URL('../build/addon-error.txt', import.meta.url));

/** Tries to load the addon at `path`; never throws. */
export function loadAddon(path: string = DEFAULT_ADDON_PATH, buildErrorFile: string = BUILD_ERROR_FILE): AddonStatus {
  try {
    const addon = require(path) as Partial<NativeOriginalDst>;
    if (typeof addon.originalDst !== 'function') return { available: false, reason: `${path} does not export originalDst()` };
    return { available: true, addon: addon as NativeOriginalDst };
  } catch (err) {
    // The install step records why the build failed; that says more than "Cannot find module".
    const buildError = existsSync(buildErrorFile) ? readFileSync(buildErrorFile, 'utf8').trim() : '';
    const loadError = (err as Error).message.split('\n')[0] ?? String(err);
    return { available: false, reason: buildError ? `build failed: ${buildError}` : loadError };
  }
}
