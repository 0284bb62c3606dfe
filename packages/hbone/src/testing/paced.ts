// Request/response at a fixed rate on one kept-alive connection to an echo: the conditions of Istio's published
// latency and resource figures for ztunnel (1 KB at 1,000 requests/s), as opposed to back-to-back round trips. Each
// request is `size` bytes and is answered when all `size` bytes are back; the next one leaves at its slot on the
// schedule, or at once if its slot has passed. Times run from the moment a request is written to the moment its
// last byte is back, so the client's own timer slack is not counted.
import type { Dial } from './measure.js';

export interface PacedOptions {
  /** Requests per second the schedule asks for. */
  readonly rate: number;
  /** Bytes per request, and per answer. */
  readonly size: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Runs once, after the warm-up and before the first timed request (to read the proxies' CPU over the timed part). */
  readonly onTimed?: () => void;
}

export interface PacedResult {
  /** Round-trip times of the timed requests, µs, sorted. */
  readonly times: number[];
  /** Requests per second the timed part achieved. */
  readonly achievedRate: number;
  /** Wall-clock seconds of the timed part. */
  readonly elapsedSeconds: number;
}

/** Rejects, naming the request, when the connection closes, errors or an answer has more bytes than asked. */
export async function pacedEcho(dial: Dial, options: PacedOptions): Promise<PacedResult> {
  if (!(options.rate > 0) || !(options.size > 0) || !(options.seconds > 0) || !(options.warmupSeconds >= 0)) {
    throw new Error(`pacedEcho: rate, size and seconds must be positive and warmupSeconds not negative, got ${JSON.stringify(options)}`);
  }
  const socket = await dial();
  const payload = Buffer.alloc(options.size, 0x61);
  const warmup = Math.round(options.rate * options.warmupSeconds);
  const total = warmup + Math.round(options.rate * options.seconds);
  const intervalMs = 1000 / options.rate;
  const times: number[] = [];
  return new Promise<PacedResult>((resolve, reject) => {
    let index = 0;
    let pending = 0;
    let sentAt = 0n;
    let firstSlot = 0;
    let timedStart = 0n;
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(`paced request ${index} of ${total}: ${why}`));
    };
    const send = (): void => {
      if (index === warmup) {
        options.onTimed?.();
        timedStart = process.hrtime.bigint();
      }
      pending = options.size;
      sentAt = process.hrtime.bigint();
      socket.write(payload);
    };
    const scheduleNext = (): void => {
      const slot = firstSlot + index * intervalMs;
      const wait = slot - performance.now();
      if (wait <= 0) send();
      else setTimeout(send, wait);
    };
    socket.on('data', (chunk: Buffer) => {
      pending -= chunk.length;
      if (pending > 0) return;
      if (pending < 0) return fail(`${-pending} bytes more than were sent came back`);
      const now = process.hrtime.bigint();
      if (index >= warmup) times.push(Number(now - sentAt) / 1000);
      index += 1;
      if (index < total) return scheduleNext();
      settled = true;
      socket.destroy();
      const elapsedSeconds = Number(now - timedStart) / 1e9;
      resolve({ times: times.sort((a, b) => a - b), achievedRate: times.length / elapsedSeconds, elapsedSeconds });
    });
    socket.once('close', () => fail('the connection closed'));
    socket.once('error', (err) => fail(err.message));
    firstSlot = performance.now();
    send();
  });
}
