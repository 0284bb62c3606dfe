// Moves bytes both ways between a plain socket and a tunnel stream, with half-close (FIN ↔ END_STREAM) and
// batched writes: the plain socket is corked for the rest of an event-loop turn, so HTTP/2 DATA frames that
// straddle TLS records go out in one write() instead of two (PERFORMANCE.md, lever 2); a small chunk that starts a
// turn is written at once, so interactive traffic does not wait for the uncork.
import type { Duplex } from 'node:stream';
import { Socket } from 'node:net';
import { onChunks } from './tcp.js';

/** Pause the source only when this much is waiting in the destination (not at the 16 KiB high-water mark). */
const PAUSE_ABOVE_BYTES = 1024 * 1024;
/**
 * A chunk this small that starts a turn goes out at once. Keep-alive 1-byte round trips through two ztunnels, A/B
 * alternated twice: p50 171-197 -> 125-154 µs, p99 510-549 -> 242-313 µs; bulk transfers are unchanged (a turn's
 * later chunks are still corked together).
 */
const SMALL_BYTES = 1024;

export interface SpliceResult {
  /** Bytes read from `a` and written to `b`. */
  readonly aToB: number;
  /** Bytes read from `b` and written to `a`. */
  readonly bToA: number;
  /** The first error either side raised, if the splice ended abnormally. */
  readonly error?: Error;
}

export interface SpliceCounters {
  aToB: number;
  bToA: number;
}

/**
 * Splices two duplexes until both directions have ended (graceful) or either errors (both destroyed).
 * `counters` is updated live, for telemetry of long-lived connections.
 */
export function splice(a: Duplex, b: Duplex, counters: SpliceCounters = { aToB: 0, bToA: 0 }): Promise<SpliceResult> {
  return new Promise((resolve) => {
    let open = 2;
    let failure: Error | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve({ aToB: counters.aToB, bToA: counters.bToA, ...(failure ? { error: failure } : {}) });
    };
    const fail = (err: Error) => {
      failure ??= err;
      a.destroy();
      b.destroy();
      finish();
    };
    const done = () => {
      open -= 1;
      if (open === 0) finish();
    };
    pump(a, b, (n) => (counters.aToB += n), done);
    pump(b, a, (n) => (counters.bToA += n), done);
    a.once('error', fail);
    b.once('error', fail);
    // A side that closes without ending its readable (a reset) ends the splice.
    const onClose = (side: Duplex) => () => {
      if (!side.readableEnded || !side.writableFinished) {
        if (!settled) fail(new Error('peer closed the connection before both directions ended'));
      }
    };
    a.once('close', onClose(a));
    b.once('close', onClose(b));
  });
}

function pump(from: Duplex, to: Duplex, count: (n: number) => void, done: () => void): void {
  const cork = to instanceof Socket ? corker(to) : undefined;
  const recycles = donePerWrite(to);
  let paused = false;
  onChunks(from, (chunk: Buffer, release?: () => void) => {
    count(chunk.length);
    cork?.(chunk.length);
    // A read buffer goes back for reuse once written; after an error it is left to the garbage collector.
    if (release && recycles) {
      to.write(chunk, (err) => {
        if (!err) release();
      });
    } else to.write(chunk);
    if (to.writableLength > PAUSE_ABOVE_BYTES && !paused) {
      paused = true;
      from.pause();
      to.once('drain', () => {
        paused = false;
        from.resume();
      });
    }
  });
  from.once('end', () => {
    to.end();
  });
  to.once('finish', done);
}

/**
 * Whether `stream` is done with a chunk when the chunk's write callback runs: a socket has copied it into the kernel
 * (or TLS records), an HTTP/2 stream into the frames its session wrote. A PassThrough, say, still holds it then.
 */
function donePerWrite(stream: Duplex): boolean {
  const kind = stream.constructor.name;
  return stream instanceof Socket || kind === 'ClientHttp2Stream' || kind === 'ServerHttp2Stream';
}

/** Returns a function that corks `socket` once per event-loop turn and uncorks it in setImmediate. */
function corker(socket: Socket): (size: number) => void {
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return (size) => {
    if (corked) return;
    // A small chunk first in its turn is interactive traffic: corking would hold it until setImmediate.
    if (size < SMALL_BYTES) return;
    corked = true;
    socket.cork();
    setImmediate(uncork);
  };
}
