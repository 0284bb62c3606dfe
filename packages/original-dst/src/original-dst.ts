// getOriginalDst(socket): where a transparently captured connection was going before iptables REDIRECT.
import { constants } from 'node:os';
import type { Socket } from 'node:net';
import { loadAddon, type AddonStatus } from './addon.js';
import { descriptorOf } from './descriptor.js';
import { OriginalDstError } from './errors.js';

export interface OriginalDst {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

let status: AddonStatus | undefined;

/** Whether transparent capture can work in this process, and if not, why (for a startup log line). */
export function originalDstSupport(): { available: true } | { available: false; reason: string } {
  status ??= loadAddon();
  return status.available ? { available: true } : { available: false, reason: status.reason };
}

/**
 * The original destination of an accepted TCP socket, from the kernel's connection tracking.
 * Returns undefined when conntrack has no entry for the connection (ENOENT); throws OriginalDstError when the addon
 * is not built (ORIGINAL_DST_ERR_UNAVAILABLE), the socket has no descriptor (ORIGINAL_DST_ERR_NO_FD) or the kernel
 * refuses the lookup (ORIGINAL_DST_ERR_SYSCALL, e.g. ENOPROTOOPT when the socket is not TCP over IP).
 */
export function getOriginalDst(socket: Socket): OriginalDst | undefined {
  status ??= loadAddon();
  return originalDstWith(status, socket);
}

/** getOriginalDst over an explicit addon status (tests use it to exercise the missing-addon path). */
export function originalDstWith(addon: AddonStatus, socket: Socket): OriginalDst | undefined {
  if (!addon.available) {
    throw new OriginalDstError(
      'ORIGINAL_DST_ERR_UNAVAILABLE',
      `transparent capture unavailable: native addon not built: ${addon.reason} (rebuild with \`npm rebuild @ambient/original-dst\`; needs a C++ compiler, make and python3)`,
    );
  }
  const fd = descriptorOf(socket);
  const result = addon.addon.originalDst(fd);
  if (!('errno' in result)) return { address: result.address, port: result.port, family: result.family };
  if (result.errno === constants.errno.ENOENT) return undefined;
  throw new OriginalDstError(
    'ORIGINAL_DST_ERR_SYSCALL',
    `cannot read the original destination of fd ${fd}: ${result.syscall}: ${result.message} (is the socket an accepted TCP connection, and is it redirected by iptables in this network namespace?)`,
    { errno: result.errno },
  );
}
