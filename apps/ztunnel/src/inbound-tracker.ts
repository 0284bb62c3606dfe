// Open inbound connections with what they were admitted on, so a state change (policy, workload) re-checks each
// and closes those now denied, as ztunnel's PolicyWatcher does.
import type { Logger } from '@ambient/core';
import type { MeshState } from '@ambient/mesh-state';
import { recheckInbound, type InboundRequest } from './plan/inbound.js';

export const POLICY_CLOSE_REASON = 'connection closed due to policy change';

export interface TrackedInbound {
  readonly request: InboundRequest;
  /** Ends the connection; called at most once, with the reason for the access log. */
  close(reason: string): void;
}

export class InboundTracker {
  readonly #open = new Set<TrackedInbound>();
  readonly #state: MeshState;
  readonly #illegalPorts: readonly number[];
  readonly #log: Logger;
  readonly #unsubscribe: () => void;

  constructor(state: MeshState, illegalPorts: readonly number[], log: Logger) {
    this.#state = state;
    this.#illegalPorts = illegalPorts;
    this.#log = log;
    this.#unsubscribe = state.subscribe(() => this.recheck());
  }

  /** Registers an admitted connection; returns the function that forgets it when it ends. */
  add(connection: TrackedInbound): () => void {
    this.#open.add(connection);
    return () => this.#open.delete(connection);
  }

  get size(): number {
    return this.#open.size;
  }

  /** Re-evaluates every open connection against the current state; closes the denied ones. */
  recheck(): void {
    for (const connection of [...this.#open]) {
      const decision = recheckInbound(this.#state, connection.request, { illegalPorts: this.#illegalPorts });
      if (decision.allowed) continue;
      this.#open.delete(connection);
      this.#log.info({ src: connection.request.srcIp, dst: `${connection.request.dialledIp}:${connection.request.authority.port}`, reason: decision.reason }, POLICY_CLOSE_REASON);
      connection.close(POLICY_CLOSE_REASON);
    }
  }

  close(): void {
    this.#unsubscribe();
    this.#open.clear();
  }
}
