// Push latency as istiod reports it (pilot_proxy_convergence_time): from a config change to every proxy that was
// connected having answered the push it caused. xds-server exposes no push event, so this watches its public
// syncStatus() while a change is in flight, and only then.
import type { SyncStatus } from '@ambient/xds-server';

export interface ConvergenceSource {
  syncStatus(): SyncStatus[];
}

export interface ConvergenceOptions {
  readonly source: ConvergenceSource;
  /** Per change: seconds to converge and the proxies that answered, per type URL. */
  readonly onConverged: (seconds: number, pushesByType: ReadonlyMap<string, number>) => void;
  readonly pollMs?: number;
  /** A change not answered by then is dropped (a proxy that never acks; an on-demand stream it did not concern). */
  readonly giveUpMs?: number;
  readonly now?: () => number;
}

interface Pending {
  readonly startedAt: number;
  /** `<stream id> <type URL>` → nonce before the change. */
  readonly waiting: Map<string, string>;
  readonly answered: Map<string, number>;
}

const key = (id: string, typeUrl: string): string => `${id} ${typeUrl}`;

export class ConvergenceTracker {
  readonly #options: ConvergenceOptions;
  readonly #pending: Pending[] = [];
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ConvergenceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Call right after handing changed types to the xDS server (before its debounced push runs). */
  changed(typeUrls: readonly string[], startedAt = this.#now()): void {
    if (typeUrls.length === 0) return;
    const waiting = new Map<string, string>();
    for (const row of this.#options.source.syncStatus()) {
      for (const typeUrl of typeUrls) {
        const state = row.types[typeUrl];
        if (state) waiting.set(key(row.id, typeUrl), state.nonce);
      }
    }
    if (waiting.size === 0) return;
    this.#pending.push({ startedAt, waiting, answered: new Map() });
    this.#timer ??= setInterval(() => this.#check(), this.#options.pollMs ?? 2);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pending.length = 0;
  }

  #check(): void {
    const now = this.#now();
    const current = new Map<string, { nonce: string; status: string }>();
    for (const row of this.#options.source.syncStatus()) {
      for (const [typeUrl, state] of Object.entries(row.types)) current.set(key(row.id, typeUrl), state);
    }
    for (let i = 0; i < this.#pending.length; ) {
      const p = this.#pending[i] as Pending;
      for (const [k, before] of p.waiting) {
        const state = current.get(k);
        if (state === undefined) p.waiting.delete(k); // the stream went away
        else if (state.nonce !== before && state.status !== 'STALE') {
          p.waiting.delete(k);
          const typeUrl = k.slice(k.indexOf(' ') + 1);
          p.answered.set(typeUrl, (p.answered.get(typeUrl) ?? 0) + 1);
        }
      }
      const done = p.waiting.size === 0;
      if (done || now - p.startedAt > (this.#options.giveUpMs ?? 30_000)) {
        this.#pending.splice(i, 1);
        if (done) this.#options.onConverged((now - p.startedAt) / 1000, p.answered);
      } else i++;
    }
    if (this.#pending.length === 0) this.close();
  }
}
