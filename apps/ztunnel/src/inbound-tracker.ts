// Open inbound connections with what they were admitted on, so a state change (policy, workload) re-checks each
// and closes those now denied, as ztunnel's PolicyWatcher does; and so the tunnels of an HBONE session closed for a
// revoked client certificate learn why before the session goes.
import type { Logger } from '@ambient/core';
import type { MeshState } from '@ambient/mesh-state';
import type { ResponseFlag } from '@ambient/telemetry';
import { recheckInbound, type InboundRequest } from './plan/inbound.js';

export const POLICY_CLOSE_REASON = 'connection closed due to policy change';

export interface TrackedInbound {
  readonly request: InboundRequest;
  /** The TCP source port of the connection (of the HBONE session carrying it). */
  readonly srcPort?: number;
  /** Ends the connection; called at most once, with the reason and response flag (default DENY) for the access log. */
  close(reason: string, flag?: ResponseFlag): void;
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

  /** Closes the connections that came over the HBONE session with these TCP ends (its peer's certificate revoked). */
  closeFrom(ends: { remoteAddress: string; remotePort: number; localAddress: string }, reason: string): number {
    let closed = 0;
    for (const connection of [...this.#open]) {
      const { request } = connection;
      if (!request.hbone || connection.srcPort !== ends.remotePort || request.srcIp !== ends.remoteAddress || request.dialledIp !== ends.localAddress) continue;
      this.#open.delete(connection);
      connection.close(reason, 'CERT_REVOKED');
      closed++;
    }
    return closed;
  }

  close(): void {
    this.#unsubscribe();
    this.#open.clear();
  }
}
