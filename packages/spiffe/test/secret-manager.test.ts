// The secret manager under a manual clock: caching, half-life refresh, back-off, the concurrency cap, priorities.
import { describe, expect, it } from 'vitest';
import { SecretManager, type Svid, type Timers } from '../src/index.js';
import { createTestCa } from '../src/testing/index.js';

const A = 'spiffe://cluster.local/ns/default/sa/a';

/** A clock and timers that move only when told to. */
class ManualTime implements Timers {
  now = Date.UTC(2026, 5, 1);
  readonly delays: number[] = [];
  #timers = new Map<number, { at: number; callback: () => void }>();
  #next = 1;
  setTimeout(callback: () => void, ms: number): unknown {
    this.delays.push(ms);
    const id = this.#next++;
    this.#timers.set(id, { at: this.now + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves the clock forward, firing due timers in order, letting promise callbacks run in between. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.now = Math.max(this.now, due[1].at);
      due[1].callback();
      await flush();
    }
    this.now = end;
    await flush();
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup(options: { fail?: (n: number) => boolean } = {}) {
  const time = new ManualTime();
  const ca = createTestCa({ clock: () => time.now });
  const calls: string[] = [];
  const fetch = async (identity: string): Promise<Svid> => {
    calls.push(identity);
    if (options.fail?.(calls.length)) throw new Error(`CA unavailable (call ${calls.length})`);
    return ca.issueSvid(identity, { ttlSeconds: 24 * 3600 });
  };
  const manager = new SecretManager({ fetch, clock: () => time.now, timers: time, random: () => 0.5 });
  return { time, calls, manager };
}

describe('SecretManager', () => {
  it('fetches once and serves the cached certificate', async () => {
    const { manager, calls } = setup();
    expect(manager.findSvid(A)).toBeUndefined();
    const svid = await manager.fetchSvid(A);
    expect(svid.identity).toBe(A);
    expect(await manager.fetchSvid(A)).toBe(svid);
    expect(manager.findSvid(A)).toBe(svid);
    expect(calls).toEqual([A]);
    expect(manager.status()).toEqual([{ identity: A, state: 'available', notAfter: svid.notAfter, failures: 0 }]);
  });

  it('refreshes at half of the certificate lifetime', async () => {
    const { manager, calls, time } = setup();
    const first = await manager.fetchSvid(A);
    const half = (first.notAfter.getTime() - first.notBefore.getTime()) / 2;
    const refreshIn = first.notBefore.getTime() + half - time.now;
    await time.advance(refreshIn - 1);
    expect(calls).toHaveLength(1);
    await time.advance(1);
    expect(calls).toHaveLength(2);
    expect(manager.findSvid(A)).not.toBe(first);
  });

  it('backs off 500 ms × 2 up to 150 s, refusing waiters while it has no certificate', async () => {
    const { manager, time } = setup({ fail: () => true });
    await expect(manager.fetchSvid(A)).rejects.toMatchObject({ code: 'SPIFFE_ERR_FETCH', message: expect.stringContaining('CA unavailable') });
    await time.advance(800_000);
    expect(time.delays.slice(0, 12)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 150000, 150000, 150000]);
    expect(manager.status()[0]).toMatchObject({ state: 'unavailable', failures: expect.any(Number) });
  });

  it('applies ±20 % jitter', async () => {
    const time = new ManualTime();
    const fetch = async (): Promise<Svid> => Promise.reject(new Error('down'));
    for (const [random, expected] of [[0, 400], [0.999999, 600]] as const) {
      const manager = new SecretManager({ fetch, clock: () => time.now, timers: time, random: () => random });
      await manager.fetchSvid(A).catch(() => undefined);
      expect(time.delays.at(-1)).toBeCloseTo(expected, 0);
      manager.close();
    }
  });

  it('keeps serving a valid certificate while refreshes fail, then recovers', async () => {
    let failing = false;
    const { manager, time, calls } = setup({ fail: () => failing });
    const first = await manager.fetchSvid(A);
    failing = true;
    const refreshAt = (first.notBefore.getTime() + first.notAfter.getTime()) / 2;
    await time.advance(refreshAt - time.now + 500 + 1000 + 2000);
    expect(calls).toHaveLength(5);
    expect(manager.findSvid(A)).toBe(first);
    expect(await manager.fetchSvid(A)).toBe(first);
    failing = false;
    await time.advance(10_000);
    expect(manager.findSvid(A)).not.toBe(first);
    expect(manager.status()[0]).toMatchObject({ state: 'available', failures: 0 });
  });

  it('runs at most 8 CA requests at once and serves blocked callers first', async () => {
    const time = new ManualTime();
    const ca = createTestCa({ clock: () => time.now });
    const pending: { identity: string; release: () => void }[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const fetch = (identity: string): Promise<Svid> =>
      new Promise((resolve) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        pending.push({ identity, release: () => (inFlight--, resolve(ca.issueSvid(identity))) });
      });
    const manager = new SecretManager({ fetch, clock: () => time.now, timers: time });
    const ids = Array.from({ length: 20 }, (_, i) => `spiffe://cluster.local/ns/default/sa/w${i}`);
    ids.forEach((id) => manager.prefetch(id));
    expect(pending).toHaveLength(8);
    const urgent = manager.fetchSvid(ids[19] as string);
    pending.shift()?.release();
    await flush();
    expect(pending.at(-1)?.identity).toBe(ids[19]);
    while (pending.length > 0) {
      pending.shift()?.release();
      await flush();
    }
    expect((await urgent).identity).toBe(ids[19]);
    expect(maxInFlight).toBe(8);
    expect(ids.every((id) => manager.findSvid(id))).toBe(true);
  });

  it('treats an already-expired certificate from the CA as a failure, not a reason to refresh at once', async () => {
    const time = new ManualTime();
    const stale = createTestCa({ clock: () => time.now - 2 * 86_400_000 });
    let calls = 0;
    const manager = new SecretManager({ fetch: async (id) => (calls++, stale.issueSvid(id)), clock: () => time.now, timers: time, random: () => 0.5 });
    await expect(manager.fetchSvid(A)).rejects.toMatchObject({ code: 'SPIFFE_ERR_FETCH', message: expect.stringContaining('expired') });
    await time.advance(1_000);
    expect(calls).toBe(2);
    expect(time.delays).toEqual([500, 1000]);
    manager.close();
  });

  it('forget and close refuse waiters and stop timers', async () => {
    const { manager, time } = setup({ fail: () => true });
    await manager.fetchSvid(A).catch(() => undefined);
    const waiting = manager.fetchSvid(A);
    manager.forget(A);
    await expect(waiting).rejects.toMatchObject({ code: 'SPIFFE_ERR_CLOSED' });
    expect(time.pending).toBe(0);
    expect(manager.status()).toEqual([]);
    manager.close();
    await expect(manager.fetchSvid(A)).rejects.toMatchObject({ code: 'SPIFFE_ERR_CLOSED' });
  });
});
