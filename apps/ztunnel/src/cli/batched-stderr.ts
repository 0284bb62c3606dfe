// Where the ztunnel process's log lines go: stderr, in batches. Access logs are one line per connection side; written
// one by one, each line costs a write(2) through libuv's thread pool and a wake-up of the loop when it completes.
// Batched, a line waits at most FLUSH_MS (or until BATCH_BYTES are queued); nothing is dropped, and the process
// writes what is left synchronously when it exits.
import { write, writeSync } from 'node:fs';

const FLUSH_MS = 50;
const BATCH_BYTES = 64 * 1024;
const RETRY_MS = 10;

export interface BatchedWriterOptions {
  readonly flushMs?: number;
  readonly batchBytes?: number;
}

export class BatchedWriter {
  readonly #fd: number;
  readonly #flushMs: number;
  readonly #batchBytes: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The batch being written, from `#offset` on; undefined when no write is in flight. */
  #inFlight: Buffer | undefined;
  #offset = 0;
  #waiters: (() => void)[] = [];

  constructor(fd: number, options: BatchedWriterOptions = {}) {
    this.#fd = fd;
    this.#flushMs = options.flushMs ?? FLUSH_MS;
    this.#batchBytes = options.batchBytes ?? BATCH_BYTES;
  }

  /** Queues one log line (pino's DestinationStream contract). */
  write(line: string): boolean {
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (this.#pendingBytes >= this.#batchBytes) this.#startWrite();
    else this.#timer ??= setTimeout(() => this.#startWrite(), this.#flushMs).unref();
    return true;
  }

  /** Writes everything queued; `done` runs once it is out (pino's logger.flush calls this). */
  flush(done?: () => void): void {
    if (done) this.#waiters.push(done);
    this.#startWrite();
    this.#settle();
  }

  /** Writes everything still queued or in flight, blocking: for process exit. */
  flushSync(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const rest = this.#inFlight ? [this.#inFlight.subarray(this.#offset)] : [];
    const data = Buffer.concat([...rest, Buffer.from(this.#pending.join(''))]);
    this.#pending = [];
    this.#pendingBytes = 0;
    for (let at = 0; at < data.length; ) {
      try {
        at += writeSync(this.#fd, data, at);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      }
    }
    this.#inFlight = undefined;
  }

  #startWrite(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#inFlight || this.#pending.length === 0) return;
    this.#inFlight = Buffer.from(this.#pending.join(''));
    this.#offset = 0;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#continue();
  }

  #continue(): void {
    const batch = this.#inFlight;
    if (!batch) return;
    write(this.#fd, batch, this.#offset, batch.length - this.#offset, null, (err, written) => {
      if (this.#inFlight !== batch) return; // flushSync took over
      if (err) {
        // A full non-blocking pipe: try again shortly. Anything else (the reader went away): drop this batch.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return void setTimeout(() => this.#continue(), RETRY_MS);
        this.#offset = batch.length;
      } else {
        this.#offset += written;
      }
      if (this.#offset < batch.length) return this.#continue();
      this.#inFlight = undefined;
      // Lines queued meanwhile: their timer may have fired while this batch was in flight.
      if (this.#pending.length > 0) {
        if (this.#pendingBytes >= this.#batchBytes || this.#waiters.length > 0) this.#startWrite();
        else this.#timer ??= setTimeout(() => this.#startWrite(), this.#flushMs).unref();
      }
      this.#settle();
    });
  }

  #settle(): void {
    if (this.#inFlight || this.#pending.length > 0) return;
    for (const done of this.#waiters.splice(0)) done();
  }
}

/** A BatchedWriter on stderr that writes what is left when the process exits. */
export function batchedStderr(): BatchedWriter {
  const writer = new BatchedWriter(2);
  process.once('exit', () => writer.flushSync());
  return writer;
}
