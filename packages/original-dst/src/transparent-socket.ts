// A TCP socket that connects from an address that is not this host's: the original source of a captured connection
// (ztunnel connects to an app as the client it carries, as Istio's ztunnel does with IP_TRANSPARENT). The kernel
// only delivers the replies to it when policy routing sends them to this host (the capture rules' job).
import net from 'node:net';
import { loadAddon, type AddonStatus } from './addon.js';
import { OriginalDstError } from './errors.js';

let status: AddonStatus | undefined;

/** Whether transparent sockets can be opened in this process (addon built with the call, and allowed: CAP_NET_ADMIN). */
export function transparentSupport(): { available: true } | { available: false; reason: string } {
  status ??= loadAddon();
  if (!status.available) return { available: false, reason: status.reason };
  const open = status.addon.transparentSocket;
  if (!open) return { available: false, reason: 'the native addon predates transparentSocket(): rebuild it (npm rebuild @ambient/original-dst)' };
  // A probe: the bind to a foreign address is what needs the capability.
  const probe = open('192.0.2.1');
  if (typeof probe !== 'number') return { available: false, reason: `${probe.syscall}: ${probe.message}` };
  new net.Socket({ fd: probe }).destroy();
  return { available: true };
}

/**
 * A net.Socket on a new TCP socket bound to `ip` (port chosen by connect()) with IP_TRANSPARENT, not connected yet:
 * call `connect()` on it. `options` are net.Socket's (onread, allowHalfOpen, noDelay …). Throws OriginalDstError:
 * ORIGINAL_DST_ERR_UNAVAILABLE without the addon, ORIGINAL_DST_ERR_SYSCALL when the kernel refuses (EPERM without
 * CAP_NET_ADMIN, EINVAL for something that is not an IP address).
 */
export function openTransparentSocket(ip: string, options: Omit<net.SocketConstructorOpts, 'fd' | 'handle'> = {}): net.Socket {
  status ??= loadAddon();
  const open = status.available ? status.addon.transparentSocket : undefined;
  if (!open) {
    const reason = status.available ? 'the native addon predates transparentSocket()' : `native addon not built: ${status.reason}`;
    throw new OriginalDstError('ORIGINAL_DST_ERR_UNAVAILABLE', `cannot open a transparent socket: ${reason} (rebuild with \`npm rebuild @ambient/original-dst\`)`);
  }
  const fd = open(ip);
  if (typeof fd !== 'number') {
    throw new OriginalDstError('ORIGINAL_DST_ERR_SYSCALL', `cannot open a transparent socket from ${ip}: ${fd.syscall}: ${fd.message}`, { errno: fd.errno });
  }
  return new net.Socket({ ...options, fd, readable: true, writable: true });
}
