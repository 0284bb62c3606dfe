// The file descriptor under a Node socket, for the addon's calls; plain TCP and TLS sockets alike keep it on their
// internal handle.
import type { Socket } from 'node:net';
import { OriginalDstError } from './errors.js';

/** Throws ORIGINAL_DST_ERR_NO_FD when the socket has none (closed, not connected yet, or not opened by Node). */
export function descriptorOf(socket: Socket): number {
  // Node keeps the descriptor on the internal handle (a TLS socket's TLSWrap has it too); there is no public accessor.
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new OriginalDstError(
      'ORIGINAL_DST_ERR_NO_FD',
      'the socket has no file descriptor: it is closed, not yet connected, or not a TCP socket Node opened itself',
    );
  }
  return fd;
}
