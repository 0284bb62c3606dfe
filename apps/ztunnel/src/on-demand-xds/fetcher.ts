// The async step before planning in an on-demand ztunnel: look up the keys a connection lacks (keys.ts), wait for
// the answers to land in MeshState, then let the pure planners run on what is there. ztunnel's DemandProxyState
// waits for the response that names the key; an answer of "no such resource" (removed_resources) ends the wait as
// well, and our wait is also bounded (FETCH_TIMEOUT_MS) so a silent control plane cannot hold a connection forever.
import type { Logger } from '@ambient/core';
import type { MeshState, WorkloadRecord } from '@ambient/mesh-state';
import type { InboundRequest } from '../plan/inbound.js';
import type { OutboundDestination } from '../plan/outbound.js';
import { inboundKeys, outboundKeys } from './keys.js';

/** How long one lookup may take before the connection is planned without it. */
export const FETCH_TIMEOUT_MS = 5_000;
/** Destination, then its waypoint, then the waypoint's service: past that a lookup chain is a loop. */
const MAX_ROUNDS = 3;

/** Looks one key up and resolves once the answer was applied to MeshState (or rejects on timeout / closed stream). */
export type FetchKey = (key: string, timeoutMs: number) => Promise<unknown>;

export class OnDemandXds {
  readonly #fetch: FetchKey;
  readonly #log: Logger;
  readonly #timeoutMs: number;

  constructor(fetch: FetchKey, log: Logger, timeoutMs = FETCH_TIMEOUT_MS) {
    this.#fetch = fetch;
    this.#log = log;
    this.#timeoutMs = timeoutMs;
  }

  /** Before planOutbound: the destination (an address, or a service by hostname), then its waypoint. */
  beforeOutbound(state: MeshState, source: WorkloadRecord, destination: OutboundDestination): Promise<void> {
    return this.#rounds(() => outboundKeys(state, source, destination));
  }

  /** Before planInbound: the source workload, and an HBONE target other than the dialled address. */
  beforeInbound(state: MeshState, request: InboundRequest): Promise<void> {
    return this.#rounds(() => inboundKeys(state, request));
  }

  async #rounds(missing: () => string[]): Promise<void> {
    const tried = new Set<string>();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const keys = missing().filter((k) => !tried.has(k));
      if (keys.length === 0) return;
      for (const k of keys) tried.add(k);
      await Promise.all(keys.map((k) => this.fetchKey(k)));
    }
  }

  /** One lookup; a failure (timeout, stream closed) is logged and leaves the state as it was. */
  async fetchKey(key: string): Promise<void> {
    try {
      await this.#fetch(key, this.#timeoutMs);
      this.#log.debug({ key }, 'on-demand lookup answered');
    } catch (err) {
      this.#log.warn({ key, err: (err as Error).message }, 'on-demand lookup failed; planning without it');
    }
  }
}
