// An on-demand ztunnel's own workloads. The control plane sends it nothing unasked, yet loopback listeners and
// iptables capture serve only workloads known in advance. Istio's in-pod ztunnel learns its pods from ZDS (the CNI
// agent) and looks each up; here `--local-workload-addresses` plays ZDS's part: each address is subscribed as
// `<network>/<ip>` at start and stays subscribed, so the workload and its later changes arrive like any other.
import type { Logger } from '@ambient/core';
import { addressKey } from './keys.js';

/** What this needs of the xDS client: a watch on an on-demand type subscribes the name and keeps it. */
export interface AddressWatcher {
  watch(key: string, watcher: { onChanged(): void; onRemoved(): void; onError(err: Error): void }): () => void;
}

export class LocalAddresses {
  readonly #waiting = new Set<string>();
  readonly #cancels: (() => void)[] = [];

  constructor(xds: AddressWatcher, network: string, addresses: readonly string[], log: Logger) {
    for (const ip of addresses) {
      const key = addressKey(network, ip);
      this.#waiting.add(key);
      this.#cancels.push(xds.watch(key, {
        onChanged: () => this.#waiting.delete(key),
        onRemoved: () => {
          if (this.#waiting.delete(key)) log.warn({ key }, 'the control plane has no workload at this local address (yet); still subscribed');
        },
        onError: (err) => log.warn({ key, err: err.message }, 'lookup of a local workload failed; still subscribed'),
      }));
    }
  }

  /** The local addresses the control plane has not answered yet (readiness waits for them). */
  pending(): string[] {
    return [...this.#waiting].map((key) => `local workload ${key} not looked up yet`);
  }

  close(): void {
    for (const cancel of this.#cancels.splice(0)) cancel();
  }
}
