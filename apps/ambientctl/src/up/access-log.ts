// Finds ztunnel access-log records (pino JSON lines in a component's log file) written after a moment: how the
// walk-through shows what each side of a connection saw.
import { readFile } from 'node:fs/promises';

export type LogRecord = Readonly<Record<string, unknown>>;

/** Every JSON line of the file logged at or after `since` (ms since the epoch). */
export async function recordsSince(file: string, since: number): Promise<LogRecord[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const record = JSON.parse(line) as LogRecord;
      const time = typeof record['time'] === 'string' ? Date.parse(record['time']) : Number(record['time']);
      if (time >= since) out.push(record);
    } catch {
      // A line cut short while being written: the next poll sees it whole.
    }
  }
  return out;
}

/** The first record in any of `files` after `since` that `match` accepts, polling up to `timeoutMs`. */
export async function findRecord(files: readonly string[], since: number, match: (r: LogRecord) => boolean, timeoutMs = 5_000): Promise<{ file: string; record: LogRecord } | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    for (const file of files) {
      const record = (await recordsSince(file, since)).find(match);
      if (record) return { file, record };
    }
    if (Date.now() > until) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
