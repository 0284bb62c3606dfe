// Interleaved rounds for benches on a shared machine: every path is measured in turn, ROUNDS times, so a busy
// moment falls on all of them, and one figure per path is the median of its rounds.

/** Reads one figure per path: the median, over the rounds, of `field` of that path's results. */
export type Medians<P extends string, T> = (path: P, field: (result: T) => number) => number;

/** Runs `measure` for each of `paths` in turn, `rounds` times over. */
export async function interleaved<P extends string, T>(paths: readonly P[], rounds: number, measure: (path: P) => Promise<T>): Promise<Medians<P, T>> {
  const results = new Map<P, T[]>(paths.map((p) => [p, []]));
  for (let i = 0; i < Math.max(1, rounds); i++) for (const path of paths) results.get(path)?.push(await measure(path));
  return (path, field) => median((results.get(path) ?? []).map(field));
}

/** The middle value (the lower middle one of an even count); 0 for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}
