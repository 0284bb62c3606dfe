// The pure half of on-demand DNS (ztunnel `resolve_on_demand_dns` in src/state.rs, hickory's cache under it): which
// answer a connection takes, and how long an answer is kept.
export interface ResolvedAddress {
  readonly address: string;
  /** Seconds the record may be cached, from its TTL. */
  readonly ttl: number;
}

/** hickory's defaults ztunnel keeps: at most a day per answer, 4096 names (ztunnel raises cache_size to 4096). */
export const MAX_TTL_SECONDS = 86_400;
export const CACHE_SIZE = 4096;

/**
 * One address at random, of the client's family when the answer has one (ztunnel: "prefer to match the IP family of
 * the downstream request; without this, we run into trouble in pure v4 or pure v6 environments"), else of the other.
 */
export function pickAddress(answers: readonly ResolvedAddress[], preferIpv6: boolean, random: () => number): string | undefined {
  const matching = answers.filter((a) => a.address.includes(':') === preferIpv6);
  const from = matching.length > 0 ? matching : answers;
  if (from.length === 0) return undefined;
  return from[Math.min(from.length - 1, Math.floor(random() * from.length))]?.address;
}

interface Entry {
  readonly answers: readonly ResolvedAddress[];
  readonly expiresAt: number;
}

/**
 * Answers per hostname until the shortest TTL among them runs out (capped at a day; TTL 0 is not kept), least
 * recently stored first out past `size`. Failures are not kept: Node's resolver gives no SOA minimum for hickory's
 * negative caching, so a name that fails is asked again by the next connection.
 */
export class AnswerCache {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #capacity: number;

  constructor(now: () => number, capacity = CACHE_SIZE) {
    this.#now = now;
    this.#capacity = capacity;
  }

  find(hostname: string): readonly ResolvedAddress[] | undefined {
    const entry = this.#entries.get(hostname);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry.answers;
    this.#entries.delete(hostname);
    return undefined;
  }

  insert(hostname: string, answers: readonly ResolvedAddress[]): void {
    const ttl = Math.min(MAX_TTL_SECONDS, ...answers.map((a) => a.ttl));
    this.#entries.delete(hostname);
    if (answers.length === 0 || !(ttl > 0)) return;
    this.#entries.set(hostname, { answers, expiresAt: this.#now() + ttl * 1000 });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#capacity) break;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
