// HBONE connection pool (reference §1.5): per key, several HTTP/2 sessions, each used until it carries its
// stream limit; one session is created per key at a time; idle sessions close after 5 minutes; a session that
// got GOAWAY or died is never handed out again, while its open streams finish undisturbed.
import type { ClientHttp2Session } from 'node:http2';
import { POOL_IDLE_TIMEOUT_MS, POOL_MAX_STREAMS_PER_CONNECTION } from './settings.js';

export interface PoolKey {
  readonly sourceIdentity: string;
  readonly expectedIdentities: readonly string[];
  readonly nextHop: string;
  readonly sourceIp?: string;
}

export interface PoolOptions {
  readonly maxStreamsPerConnection?: number;
  readonly idleTimeoutMs?: number;
}

/** A checked-out slot on a session; call `release()` exactly once when the stream is done. */
export interface Lease {
  readonly session: ClientHttp2Session;
  release(): void;
}

class PooledSession {
  active = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  readonly session: ClientHttp2Session;
  readonly #maxStreams: number;
  readonly #idleTimeoutMs: number;

  constructor(session: ClientHttp2Session, maxStreams: number, idleTimeoutMs: number) {
    this.session = session;
    this.#maxStreams = maxStreams;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#armIdle();
  }

  get usable(): boolean {
    const s = this.session;
    return !s.closed && !s.destroyed && !goneAway.has(s) && this.active < this.limit;
  }

  get limit(): number {
    const peer = this.session.remoteSettings?.maxConcurrentStreams;
    return Math.min(this.#maxStreams, peer && peer > 0 ? peer : this.#maxStreams);
  }

  acquire(): Lease {
    this.active += 1;
    clearTimeout(this.#idleTimer);
    let released = false;
    return {
      session: this.session,
      release: () => {
        if (released) return;
        released = true;
        this.active -= 1;
        if (this.active === 0) this.#armIdle();
      },
    };
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.session.close(), this.#idleTimeoutMs);
    this.#idleTimer.unref();
  }
}

const goneAway = new WeakSet<ClientHttp2Session>();

interface KeyEntry {
  readonly sessions: PooledSession[];
  creating: Promise<void> | undefined;
}

export class HbonePool {
  readonly #entries = new Map<string, KeyEntry>();
  readonly #maxStreams: number;
  readonly #idleTimeoutMs: number;

  constructor(options: PoolOptions = {}) {
    this.#maxStreams = options.maxStreamsPerConnection ?? POOL_MAX_STREAMS_PER_CONNECTION;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? POOL_IDLE_TIMEOUT_MS;
  }

  /** A lease on a session for `key` that has room now; undefined when `checkout` would have to wait or open one. */
  lease(key: PoolKey): Lease | undefined {
    return this.#entries.get(keyString(key))?.sessions.find((s) => s.usable)?.acquire();
  }

  /** A lease on a session for `key`, opening a new session with `open` when none has room. */
  async checkout(key: PoolKey, open: () => Promise<ClientHttp2Session>): Promise<Lease> {
    const id = keyString(key);
    for (;;) {
      const entry = this.#entry(id);
      const free = entry.sessions.find((s) => s.usable);
      if (free) return free.acquire();
      if (entry.creating) {
        await entry.creating.catch(() => undefined);
        continue;
      }
      let created: PooledSession | undefined;
      entry.creating = open().then((session) => {
        created = this.#add(id, entry, session);
      });
      try {
        await entry.creating;
      } finally {
        entry.creating = undefined;
      }
      if (created?.usable) return created.acquire();
    }
  }

  /** Number of live sessions per key, for tests and the admin view. */
  stats(): { key: string; sessions: number; streams: number }[] {
    return [...this.#entries].map(([key, e]) => ({
      key,
      sessions: e.sessions.length,
      streams: e.sessions.reduce((n, s) => n + s.active, 0),
    }));
  }

  /** Sends GOAWAY on every session; open streams finish. */
  close(): void {
    for (const entry of this.#entries.values()) for (const s of entry.sessions) s.session.close();
  }

  #entry(id: string): KeyEntry {
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = { sessions: [], creating: undefined };
      this.#entries.set(id, entry);
    }
    return entry;
  }

  #add(id: string, entry: KeyEntry, session: ClientHttp2Session): PooledSession {
    const pooled = new PooledSession(session, this.#maxStreams, this.#idleTimeoutMs);
    entry.sessions.push(pooled);
    session.once('goaway', () => goneAway.add(session));
    session.once('close', () => {
      const i = entry.sessions.indexOf(pooled);
      if (i >= 0) entry.sessions.splice(i, 1);
      if (entry.sessions.length === 0 && !entry.creating) this.#entries.delete(id);
    });
    return pooled;
  }
}

function keyString(key: PoolKey): string {
  const ids = key.expectedIdentities.length > 1 ? [...key.expectedIdentities].sort() : key.expectedIdentities;
  return JSON.stringify([key.sourceIdentity, ids, key.nextHop, key.sourceIp ?? '']);
}
