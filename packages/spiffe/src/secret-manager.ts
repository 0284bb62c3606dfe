// Per-identity certificate cache of a node proxy (ztunnel's SecretManager): refresh at half-life, exponential
// back-off on failure while a still-valid certificate keeps being served, at most 8 CA requests at once.
import { SpiffeError } from './errors.js';
import type { Svid } from './svid.js';

/** Asks the CA for a certificate for `identity` (the ca-grpc client provides one). */
export type FetchSvid = (identity: string) => Promise<Svid>;

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Who is waiting decides the order of queued requests, as in ztunnel: someone blocked, then warm-up, then refresh. */
export type FetchPriority = 'realtime' | 'warmup' | 'background';
const RANK: Record<FetchPriority, number> = { realtime: 0, warmup: 1, background: 2 };

export interface SecretManagerOptions {
  readonly fetch: FetchSvid;
  readonly maxConcurrent?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Milliseconds since the epoch. */
  readonly clock?: () => number;
  readonly timers?: Timers;
  /** [0, 1); jitter source. */
  readonly random?: () => number;
}

export type CertificateState = 'available' | 'initializing' | 'unavailable';

export interface CertificateStatus {
  readonly identity: string;
  readonly state: CertificateState;
  readonly notAfter?: Date;
  readonly failures: number;
  readonly lastError?: string;
}

interface Waiter {
  resolve(svid: Svid): void;
  reject(err: Error): void;
}

interface Entry {
  readonly identity: string;
  svid?: Svid;
  waiters: Waiter[];
  timer?: unknown;
  queued?: FetchPriority;
  fetching: boolean;
  failures: number;
  lastError?: Error;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class SecretManager {
  readonly #fetch: FetchSvid;
  readonly #maxConcurrent: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #clock: () => number;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #entries = new Map<string, Entry>();
  #running = 0;
  #closed = false;

  constructor(options: SecretManagerOptions) {
    this.#fetch = options.fetch;
    this.#maxConcurrent = options.maxConcurrent ?? 8;
    this.#initialBackoffMs = options.initialBackoffMs ?? 500;
    this.#maxBackoffMs = options.maxBackoffMs ?? 150_000;
    this.#clock = options.clock ?? Date.now;
    this.#timers = options.timers ?? realTimers;
    this.#random = options.random ?? Math.random;
  }

  /** The cached certificate if it is still valid; never waits. */
  findSvid(identity: string): Svid | undefined {
    const svid = this.#entries.get(identity)?.svid;
    return svid && this.#valid(svid) ? svid : undefined;
  }

  /** A valid certificate for `identity`, from the cache or by asking the CA (which then keeps it fresh). */
  fetchSvid(identity: string): Promise<Svid> {
    if (this.#closed) return Promise.reject(new SpiffeError('SPIFFE_ERR_CLOSED', 'the secret manager is closed'));
    const cached = this.findSvid(identity);
    if (cached) return Promise.resolve(cached);
    const entry = this.#entry(identity);
    const result = new Promise<Svid>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    // A pending back-off or refresh timer is respected: the waiter gets that attempt's outcome.
    if (entry.queued || (!entry.fetching && entry.timer === undefined)) this.#enqueue(entry, 'realtime');
    return result;
  }

  /** Starts fetching `identity` ahead of need (a workload appeared on this node). */
  prefetch(identity: string): void {
    if (this.#closed || this.#entries.has(identity)) return;
    this.#enqueue(this.#entry(identity), 'warmup');
  }

  /** Drops an identity no longer on this node: its timer stops and waiters are refused. */
  forget(identity: string): void {
    const entry = this.#entries.get(identity);
    if (!entry) return;
    this.#entries.delete(identity);
    this.#stop(entry, new SpiffeError('SPIFFE_ERR_CLOSED', `certificate for ${identity} is no longer wanted`));
  }

  /** One line per identity, for admin output. */
  status(): CertificateStatus[] {
    return [...this.#entries.values()].map((e) => {
      const valid = e.svid && this.#valid(e.svid) ? e.svid : undefined;
      const state: CertificateState = valid ? 'available' : e.failures > 0 ? 'unavailable' : 'initializing';
      return {
        identity: e.identity,
        state,
        ...(valid ? { notAfter: valid.notAfter } : {}),
        failures: e.failures,
        ...(e.lastError ? { lastError: e.lastError.message } : {}),
      };
    });
  }

  close(): void {
    this.#closed = true;
    for (const entry of this.#entries.values()) this.#stop(entry, new SpiffeError('SPIFFE_ERR_CLOSED', 'the secret manager is closed'));
    this.#entries.clear();
  }

  #valid(svid: Svid): boolean {
    return this.#clock() < svid.notAfter.getTime();
  }

  #entry(identity: string): Entry {
    let entry = this.#entries.get(identity);
    if (!entry) {
      entry = { identity, waiters: [], fetching: false, failures: 0 };
      this.#entries.set(identity, entry);
    }
    return entry;
  }

  #stop(entry: Entry, reason: Error): void {
    if (entry.timer !== undefined) this.#timers.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.queued = undefined;
    for (const waiter of entry.waiters.splice(0)) waiter.reject(reason);
  }

  #enqueue(entry: Entry, priority: FetchPriority): void {
    if (!entry.queued || RANK[priority] < RANK[entry.queued]) entry.queued = priority;
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.#maxConcurrent) {
      let next: Entry | undefined;
      for (const entry of this.#entries.values()) {
        if (entry.queued && (!next || RANK[entry.queued] < RANK[next.queued as FetchPriority])) next = entry;
      }
      if (!next) return;
      this.#start(next);
    }
  }

  #start(entry: Entry): void {
    entry.queued = undefined;
    entry.fetching = true;
    this.#running++;
    this.#fetch(entry.identity).then(
      (svid) =>
        this.#valid(svid)
          ? this.#settle(entry, svid, undefined)
          : this.#settle(entry, undefined, new SpiffeError('SPIFFE_ERR_CERT_EXPIRED', `the CA returned a certificate that expired at ${svid.notAfter.toISOString()}`)),
      (err: unknown) => this.#settle(entry, undefined, err instanceof Error ? err : new Error(String(err))),
    );
  }

  #settle(entry: Entry, svid: Svid | undefined, error: Error | undefined): void {
    this.#running--;
    entry.fetching = false;
    if (this.#entries.get(entry.identity) !== entry) {
      this.#pump();
      return;
    }
    if (svid) {
      entry.svid = svid;
      entry.failures = 0;
      entry.lastError = undefined;
      for (const waiter of entry.waiters.splice(0)) waiter.resolve(svid);
      const refreshAt = svid.notBefore.getTime() + (svid.notAfter.getTime() - svid.notBefore.getTime()) / 2;
      this.#schedule(entry, Math.max(0, refreshAt - this.#clock()));
    } else {
      entry.failures++;
      entry.lastError = error;
      const reason = new SpiffeError('SPIFFE_ERR_FETCH', `fetching a certificate for ${entry.identity} failed: ${error?.message}`, { cause: error });
      for (const waiter of entry.waiters.splice(0)) waiter.reject(reason);
      this.#schedule(entry, this.#backoff(entry.failures));
    }
    this.#pump();
  }

  #schedule(entry: Entry, delayMs: number): void {
    entry.timer = this.#timers.setTimeout(() => {
      entry.timer = undefined;
      this.#enqueue(entry, entry.waiters.length > 0 ? 'realtime' : 'background');
    }, delayMs);
  }

  /** 500 ms × 2^(n-1), ±20 % jitter, capped at 150 s. */
  #backoff(failures: number): number {
    const base = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** (failures - 1));
    return Math.min(this.#maxBackoffMs, base * (0.8 + 0.4 * this.#random()));
  }
}
