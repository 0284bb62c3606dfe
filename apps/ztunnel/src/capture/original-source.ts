// Source-address preservation in iptables capture (Istio's ENABLE_ORIG_SRC, reference §1.4 step 7): ztunnel connects
// to apps as the client it carries, and sends a workload's HBONE and passthrough connections from the workload's own
// address, with sockets bound to those foreign addresses (IP_TRANSPARENT). Replies to them come back through the
// node namespace, where the capture rules mark packets of transparent sockets and route the mark to this host.
import { openTransparentSocket, transparentSupport } from '@ambient/original-dst';
import type { OpenSocket } from '@ambient/hbone';

export type OriginalSourceSupport = ReturnType<typeof transparentSupport>;

export class OriginalSource {
  readonly support: OriginalSourceSupport;

  /** `support`: whether this process may open transparent sockets (injectable for tests). */
  constructor(support: OriginalSourceSupport = transparentSupport()) {
    this.support = support;
  }

  get enabled(): boolean {
    return this.support.available;
  }

  /** How to open a socket leaving from `ip`; undefined when preservation is off or there is no address to keep. */
  from(ip: string): OpenSocket | undefined {
    if (!this.support.available || ip === '') return undefined;
    return (options) => openTransparentSocket(ip, options);
  }
}
