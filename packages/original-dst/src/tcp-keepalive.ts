// TCP keepalive in full on a connected socket: idle time, probe interval and probe count (Node's setKeepAlive sets
// only the idle time; libuv fixes 1 s and 10 probes), and TCP_USER_TIMEOUT. Linux only, through the optional addon.
import type { Socket } from 'node:net';
import { loadAddon, type AddonStatus, type NativeOriginalDst } from './addon.js';
import { descriptorOf } from './descriptor.js';
import { OriginalDstError } from './errors.js';

export interface TcpKeepaliveOptions {
  /** SO_KEEPALIVE; when false only that is cleared and the probe settings are left as they are. */
  readonly enabled: boolean;
  /** TCP_KEEPIDLE: idle seconds before the first probe (the kernel takes 1 to 32767). */
  readonly timeSeconds: number;
  /** TCP_KEEPINTVL: seconds between unanswered probes (1 to 32767). */
  readonly intervalSeconds: number;
  /** TCP_KEEPCNT: unanswered probes before the connection is dropped (1 to 127). */
  readonly retries: number;
  /** TCP_USER_TIMEOUT in milliseconds (0 turns it off); undefined leaves it as it is. */
  readonly userTimeoutMs?: number;
}

/** What the kernel holds for a socket (userTimeoutMs 0: none). */
export type TcpKeepalive = Required<TcpKeepaliveOptions>;

type Support = { available: true } | { available: false; reason: string };

let status: AddonStatus | undefined;

/** Whether setTcpKeepalive can work in this process, and if not, why (for a startup log line). */
export function tcpKeepaliveSupport(): Support {
  status ??= loadAddon();
  return keepaliveSupportOf(status);
}

/** tcpKeepaliveSupport over an explicit addon status (tests use it for a missing or stale addon). */
export function keepaliveSupportOf(addon: AddonStatus): Support {
  if (!addon.available) return { available: false, reason: `native addon not built: ${addon.reason} (rebuild with \`npm rebuild @ambient/original-dst\`)` };
  if (!addon.addon.setTcpKeepalive || !addon.addon.getTcpKeepalive) return { available: false, reason: 'the native addon predates setTcpKeepalive(): rebuild it (npm rebuild @ambient/original-dst)' };
  return { available: true };
}

/**
 * Sets SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and (if given) TCP_USER_TIMEOUT on a connected socket
 * (plain TCP or TLS over TCP). Throws OriginalDstError: ORIGINAL_DST_ERR_UNAVAILABLE without the addon (or one built
 * before this call), ORIGINAL_DST_ERR_NO_FD for a socket without a descriptor, ORIGINAL_DST_ERR_SYSCALL with the
 * errno when the kernel refuses (EINVAL for a value outside its range, ENOPROTOOPT for a socket that is not TCP).
 */
export function setTcpKeepalive(socket: Socket, options: TcpKeepaliveOptions): void {
  status ??= loadAddon();
  setTcpKeepaliveWith(status, socket, options);
}

/** setTcpKeepalive over an explicit addon status. */
export function setTcpKeepaliveWith(addon: AddonStatus, socket: Socket, options: TcpKeepaliveOptions): void {
  const native = nativeOf(addon, 'set TCP keepalive');
  const fd = descriptorOf(socket);
  const { enabled, timeSeconds, intervalSeconds, retries, userTimeoutMs = -1 } = options;
  const failure = native.setTcpKeepalive(fd, enabled, timeSeconds, intervalSeconds, retries, userTimeoutMs);
  if (failure) throw new OriginalDstError('ORIGINAL_DST_ERR_SYSCALL', `cannot set TCP keepalive on fd ${fd}: ${failure.syscall}: ${failure.message}`, { errno: failure.errno });
}

/** The keepalive settings the kernel holds for a socket; throws as setTcpKeepalive does. */
export function readTcpKeepalive(socket: Socket): TcpKeepalive {
  status ??= loadAddon();
  const native = nativeOf(status, 'read TCP keepalive');
  const fd = descriptorOf(socket);
  const result = native.getTcpKeepalive(fd);
  if ('errno' in result) throw new OriginalDstError('ORIGINAL_DST_ERR_SYSCALL', `cannot read TCP keepalive of fd ${fd}: ${result.syscall}: ${result.message}`, { errno: result.errno });
  return { enabled: result.enabled, timeSeconds: result.idleSeconds, intervalSeconds: result.intervalSeconds, retries: result.count, userTimeoutMs: result.userTimeoutMs };
}

function nativeOf(addon: AddonStatus, what: string): Required<Pick<NativeOriginalDst, 'setTcpKeepalive' | 'getTcpKeepalive'>> {
  const support = keepaliveSupportOf(addon);
  if (!support.available || !addon.available) {
    const reason = support.available ? '' : support.reason;
    throw new OriginalDstError('ORIGINAL_DST_ERR_UNAVAILABLE', `cannot ${what}: ${reason}`);
  }
  return addon.addon as Required<NativeOriginalDst>;
}
