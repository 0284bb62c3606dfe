// Heap profiling for the admin's /debug/pprof/heap (ztunnel's endpoints, reference §1.10): where ztunnel toggles
// jemalloc's profiler with /debug/pprof/heap/profiling?activate=true|false and dumps it with /debug/pprof/heap, this
// toggles V8's sampling heap profiler through the in-process inspector and dumps its live allocations as V8's
// .heapprofile JSON (Chrome DevTools' Memory panel reads it), not pprof's protobuf.
import { Session } from 'node:inspector/promises';

/** Bytes between samples on average: V8's default, cheap enough to leave on in production. */
const SAMPLING_INTERVAL_BYTES = 32 * 1024;

export class HeapProfiler {
  #session: Session | undefined;

  get active(): boolean {
    return this.#session !== undefined;
  }

  /** Starts sampling (nothing when already active). */
  async activate(): Promise<void> {
    if (this.#session) return;
    const session = new Session();
    session.connect();
    this.#session = session;
    try {
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL_BYTES });
    } catch (err) {
      this.#session = undefined;
      session.disconnect();
      throw err;
    }
  }

  /** Stops sampling and forgets the samples (nothing when inactive). */
  async deactivate(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    try {
      await session.post('HeapProfiler.stopSampling');
    } finally {
      session.disconnect();
    }
  }

  /** The allocations sampled since activation that are still alive, as JSON text; throws when inactive. */
  async profile(): Promise<string> {
    if (!this.#session) throw new Error('heap profiling is not active: GET /debug/pprof/heap/profiling?activate=true first');
    const { profile } = await this.#session.post('HeapProfiler.getSamplingProfile');
    return JSON.stringify(profile);
  }
}
