// A CPU profile of this process for the admin's /debug/pprof/profile (ztunnel's endpoint, reference §1.10): V8's
// sampling profiler through the in-process inspector, for `seconds` at `frequency` Hz. The result is V8's
// .cpuprofile JSON (Chrome DevTools, speedscope and `node --cpu-prof` tooling read it), not pprof's protobuf.
import { Session } from 'node:inspector/promises';

export const PROFILE_SECONDS = { min: 1, max: 300, fallback: 10 } as const;
export const PROFILE_FREQUENCY_HZ = { min: 1, max: 1000, fallback: 100 } as const;

let running = false;

/** Whether a profile is being taken now (one at a time: V8 has one profiler per isolate). */
export function profiling(): boolean {
  return running;
}

/** Samples the whole process for `seconds` and returns the profile as JSON text. Throws if one is already running. */
export async function captureCpuProfile(seconds: number, frequencyHz: number): Promise<string> {
  if (running) throw new Error('a CPU profile is already being taken');
  running = true;
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: Math.round(1_000_000 / frequencyHz) });
    await session.post('Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const { profile } = await session.post('Profiler.stop');
    return JSON.stringify(profile);
  } finally {
    session.disconnect();
    running = false;
  }
}
