// Source-address preservation in iptables capture (Istio's ENABLE_ORIG_SRC, reference §1.4 step 7): ztunnel connects
// to apps as the client it carries, and sends a workload's HBONE and passthrough connections from the workload's own
// address, with sockets bound to those foreign addresses (IP_TRANSPARENT). Replies to them come back through the
// node namespace, where the capture rules mark packets of transparent sockets and route the mark to this host.
import type { Logger } from '@ambient/core';
import type { OpenSocket } from '@ambient/hbone';
import { openTransparentSocket, transparentSupport } from '@ambient/original-dst';
import { ZtunnelError } from '../errors.js';

export type OriginalSourceSupport = ReturnType<typeof transparentSupport>;

/** Opens the sockets that leave from an original source; exists only where this process may open them. */
export class OriginalSource {
  /** How to open a socket leaving from `ip`; undefined when there is no address to keep ('' is the node's). */
  from(ip: string): OpenSocket | undefined {
    if (ip === '') return undefined;
    return (options) => openTransparentSocket(ip, options);
  }
}

/**
 * Source preservation for `--preserve-source`: `false` never; `auto` when transparent sockets are allowed (a probe
 * bind), else a warning and connections leave from the node; `true` refuses to start without them.
 * `support` is injectable for tests.
 */
export function originalSourceFor(mode: 'auto' | 'true' | 'false', log: Logger, support: () => OriginalSourceSupport = transparentSupport): OriginalSource | undefined {
  if (mode === 'false') return undefined;
  const probe = support();
  if (probe.available) return new OriginalSource();
  if (mode === 'true') throw new ZtunnelError('ZTUNNEL_ERR_CAPTURE', `--preserve-source true needs transparent sockets: ${probe.reason}`);
  log.warn({ reason: probe.reason }, "no transparent sockets: connections leave from the node's addresses, so apps see the node as the caller");
  return undefined;
}
