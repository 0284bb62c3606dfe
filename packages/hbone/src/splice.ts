// Moves bytes both ways between a plain socket and a tunnel stream, with half-close (FIN ↔ END_STREAM), resets both
// ways (a socket reset or failure resets the stream with CANCEL, and the other way round), and
// batched writes: the plain socket is corked for the rest of an event-loop turn, so HTTP/2 DATA frames that
// straddle TLS records go out in one write() instead of two (PERFORMANCE.md, lever 2); a small chunk that starts a
// turn is written at once, so interactive traffic does not wait for the uncork.
import { constants, type Http2Stream } from 'node:http2';
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
      // A stream reset by its peer ends both directions as if closed; the reset code says it was not.
      failure ??= resetError(a) ?? resetError(b);
      resolve({ aToB: counters.aToB, bToA: counters.bToA, ...(failure ? { error: failure } : {}) });
    };
    const fail = (err: Error) => {
      failure ??= err;
      abort(a);
      abort(b);
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
    // A side that closes without ending its readable (a reset) ends the splice; a stream whose peer ended it (below)
    // is done, not failed.
    const onClose = (side: Duplex) => () => {
      if (!side.readableEnded || !(side.writableFinished || endedByPeer(side))) {
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
    // An HTTP/2 peer may end a stream with RST_STREAM(NO_ERROR) after its END_STREAM: it wants nothing more (RFC 9113
    // §8.1). Node then keeps the stream open while writes to it are pending, and they never go out: close it, and
    // count its writable direction as done.
    if (isHttp2Stream(from) && from.closed && !from.writableFinished) from.destroy();
  });
  let finished = false;
  const once = (): void => {
    if (finished) return;
    finished = true;
    done();
  };
  to.once('finish', once);
  if (isHttp2Stream(to)) to.once('close', () => endedByPeer(to) && once());
}

type Http2StreamLike = Duplex & { readonly closed: boolean; readonly rstCode?: number };

function isHttp2Stream(stream: Duplex): stream is Http2StreamLike {
  return stream.constructor.name === 'ClientHttp2Stream' || stream.constructor.name === 'ServerHttp2Stream';
}

/** An HTTP/2 stream the peer ended cleanly (END_STREAM, then RST_STREAM NO_ERROR) while we still had bytes for it. */
function endedByPeer(stream: Duplex): boolean {
  return isHttp2Stream(stream) && stream.readableEnded && stream.rstCode === constants.NGHTTP2_NO_ERROR;
}

/** The error of an HTTP/2 stream its peer reset with a code other than NO_ERROR; undefined otherwise. */
function resetError(side: Duplex): Error | undefined {
  if (!isHttp2Stream(side) || side.rstCode === undefined || side.rstCode === constants.NGHTTP2_NO_ERROR) return undefined;
  return new Error(`the peer reset the tunnel stream (${RST_NAMES[side.rstCode] ?? `code ${side.rstCode}`})`);
}

/** RFC 9113 §7 error code names, by code. */
const RST_NAMES: readonly string[] = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];

/**
 * Ends a side after a failure. A socket is destroyed (its peer sees a reset); an HTTP/2 stream is reset with CANCEL,
 * not the NO_ERROR a bare destroy() sends, so the peer knows the tunnel broke instead of ending normally.
 */
function abort(side: Duplex): void {
  if (isHttp2Stream(side) && !side.closed) (side as unknown as Http2Stream).close(constants.NGHTTP2_CANCEL);
  side.destroy();
}

/**
 * Whether `stream` is done with a chunk when the chunk's write callback runs: a socket has copied it into the kernel
 * (or TLS records), an HTTP/2 stream into the frames its session wrote. A PassThrough, say, still holds it then.
 */
function donePerWrite(stream: Duplex): boolean {
  return stream instanceof Socket || isHttp2Stream(stream);
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
