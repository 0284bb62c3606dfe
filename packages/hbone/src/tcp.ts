// Plain TCP sockets of the data path with large reads (up to 1 MiB per read() instead of 64 KiB; PERFORMANCE.md,
// lever 3): dialled by `dialTcp` (no Nagle, half-close kept), or accepted by a server and moved over by
// `adoptLargeReads`. Such a socket emits no 'data' events: `splice` takes its chunks through `onChunks`.
import net, { type Socket } from 'node:net';
import { TCP_KEEPALIVE_IDLE_MS } from './settings.js';
import { sharedSourcePorts, type SourcePorts } from './source-port.js';

const READ_SIZE = 1024 * 1024;
/**
 * Every socket starts reading into this one shared buffer and copies each read out of it before the callback
 * returns (reads are sequential on the event loop, so sharing is safe). A socket whose read fills it is moving bulk
 * data: it switches to buffers of its own, 1 MiB each, that are handed over without a copy. Short-lived and
 * chatty connections so allocate nothing per connection.
 */
const SHARED_SIZE = 64 * 1024;
const shared = Buffer.allocUnsafe(SHARED_SIZE);
/** Reads at least this large hand their buffer over instead of copying out of it. */
const HANDOFF_BYTES = 64 * 1024;
/**
 * Handed-over buffers come back once written (the sink's `release`) and are read into again: a bulk socket then
 * allocates no new 1 MiB ArrayBuffer per read, whose churn made V8 scavenge for external memory pressure about
 * ten times a second at 3 Gbit/s. A socket keeps at most this many spare.
 */
const SPARE_BUFFERS = 2;

/** Takes one chunk; `release`, when given, is to be called once the chunk has been written and is no longer needed. */
type Sink = (chunk: Buffer, release?: () => void) => void;

interface LargeReader {
  sink: Sink | undefined;
  readonly queued: Buffer[];
}

/**
 * A large-read socket's reader lives on the socket itself, not in a WeakMap: one entry per connection whose key
 * dies with it would stay in the table until a full GC and slow every scavenge meanwhile.
 */
const READER = Symbol('hbone.largeReader');
type WithReader = Socket & { [READER]?: LargeReader };
const readerOf = (socket: Socket): LargeReader | undefined => (socket as WithReader)[READER];
const setReader = (socket: Socket, reader: LargeReader): void => {
  (socket as WithReader)[READER] = reader;
};

export interface DialOptions {
  readonly host: string;
  readonly port: number;
  /**
   * Source address to bind (a workload's own IP in loopback mode). Its port is picked from `sourcePorts`, not by
   * bind(2) with port 0, whose search walks every port the proxy's TIME_WAIT sockets hold.
   */
  readonly localAddress?: string;
  readonly timeoutMs?: number;
  /** Where source ports come from; this process's round-robin over the ephemeral range unless given. */
  readonly sourcePorts?: SourcePorts;
  /**
   * Opens the socket to connect with, instead of a plain one: e.g. one bound to a foreign address with IP_TRANSPARENT
   * (the original client's, in transparent capture). It gets the dial's socket options; `localAddress` is not used.
   */
  readonly openSocket?: OpenSocket;
  /** Sets the socket's options once connected, instead of keepalive after TCP_KEEPALIVE_IDLE_MS (Nagle stays off). */
  readonly configureSocket?: ConfigureSocket;
}

/** A factory of not yet connected sockets, given net.Socket's constructor options. */
export type OpenSocket = (options: net.SocketConstructorOpts) => Socket;

/**
 * A caller's socket options (keepalive probes, TCP_USER_TIMEOUT …) for a connected TCP socket, or a TLS socket over
 * one; this package sets none of those itself when given one. It may throw: the socket is then closed.
 */
export type ConfigureSocket = (socket: Socket) => void;

/** Connects with large reads; rejects with the socket error (ECONNREFUSED, a timeout …). */
export function dialTcp(options: DialOptions): Promise<Socket> {
  if (!options.localAddress || options.openSocket) return connect(options, undefined);
  return (options.sourcePorts ?? sharedSourcePorts()).pick((localPort) => connect(options, localPort));
}

function connect(options: DialOptions, localPort: number | undefined): Promise<Socket> {
  const large = largeReads();
  return new Promise((resolve, reject) => {
    const socketOptions = {
      allowHalfOpen: true,
      noDelay: true,
      ...(options.configureSocket ? {} : { keepAlive: true, keepAliveInitialDelay: TCP_KEEPALIVE_IDLE_MS }),
      onread: { buffer: large.buffer, callback: large.callback },
    };
    let socket: Socket;
    if (options.openSocket) {
      try {
        socket = options.openSocket(socketOptions);
      } catch (err) {
        reject(err as Error);
        return;
      }
      socket.connect({ host: options.host, port: options.port });
    } else {
      socket = net.connect({
        host: options.host,
        port: options.port,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        ...(localPort === undefined ? {} : { localPort }),
        ...socketOptions,
      });
    }
    setReader(socket, large.reader);
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(options.timeoutMs ?? 10_000, () => fail(new Error(`connect to ${options.host}:${options.port} timed out`)));
    socket.once('connect', () => {
      socket.setTimeout(0);
      try {
        options.configureSocket?.(socket);
      } catch (err) {
        fail(err as Error);
        return;
      }
      socket.off('error', fail);
      resolve(socket);
    });
    socket.once('error', fail);
  });
}

/** The read buffers and read callback of one large-read socket, and where its chunks go. */
function largeReads(): { reader: LargeReader; buffer: () => Buffer; callback: (n: number, buf: Buffer) => boolean } {
  const reader: LargeReader = { sink: undefined, queued: [] };
  let bulk = false;
  let own: Buffer | undefined;
  const spare: Buffer[] = [];
  return {
    reader,
    buffer: () => (bulk ? (own ??= spare.pop() ?? Buffer.allocUnsafe(READ_SIZE)) : shared),
    callback: (n, buf) => {
      if (buf === own && n >= HANDOFF_BYTES) {
        // Hand this buffer over with the chunk; the next read gets a spare or a fresh one. A chunk queued before
        // anyone consumes is not recycled.
        const handed = own;
        own = undefined;
        const chunk = handed.subarray(0, n);
        if (reader.sink) {
          reader.sink(chunk, () => {
            if (spare.length < SPARE_BUFFERS) spare.push(handed);
          });
        } else reader.queued.push(chunk);
      } else {
        const chunk = Buffer.from(buf.subarray(0, n));
        if (buf === shared && n === SHARED_SIZE) bulk = true;
        if (reader.sink) reader.sink(chunk);
        else reader.queued.push(chunk);
      }
      // Nobody consumes yet: stop reading until a sink is attached.
      return reader.sink !== undefined;
    },
  };
}

/**
 * Moves a socket that a server accepted to large reads. Node offers `onread` only to sockets it creates for
 * `net.connect`/`new Socket`; an accepted socket gets the same by setting what that constructor sets: the handle's
 * user buffer and the socket's kBuffer/kBufferGen/kBufferCb fields, which Node's read path and its pause()/resume()
 * already honour. Only a plain TCP socket with nothing buffered or pending is moved; anything else (a Node without
 * these fields, a TLS socket, bytes already read) keeps 'data' events, so this can only ever be skipped, never
 * lose a byte. Returns whether the socket moved.
 */
export function adoptLargeReads(socket: Socket): boolean {
  if (readerOf(socket)) return true;
  if (Object.getPrototypeOf(socket) !== net.Socket.prototype || socket.connecting || !socket.readable) return false;
  if (socket.readableLength > 0 || socket.readableEnded) return false;
  const internal = socket as unknown as Record<symbol, unknown> & { _handle?: { useUserBuffer?: (buf: Buffer) => void } };
  const fields = bufferFields(socket);
  const handle = internal._handle;
  if (!fields || typeof handle?.useUserBuffer !== 'function') return false;
  if (internal[fields.buffer] !== null) return false; // already in onread mode, not ours
  const large = largeReads();
  const first = large.buffer();
  internal[fields.gen] = large.buffer;
  internal[fields.cb] = large.callback;
  internal[fields.buffer] = first;
  handle.useUserBuffer(first);
  setReader(socket, large.reader);
  return true;
}

interface BufferFields {
  readonly buffer: symbol;
  readonly gen: symbol;
  readonly cb: symbol;
}

let fieldsOfSocket: BufferFields | null | undefined;

/** Node's onread fields on a socket, found once by their descriptions; null when this Node has none. */
function bufferFields(socket: Socket): BufferFields | null {
  if (fieldsOfSocket !== undefined) return fieldsOfSocket;
  const symbols = Object.getOwnPropertySymbols(socket);
  const find = (name: string) => symbols.find((s) => s.description === name);
  const [buffer, gen, cb] = [find('kBuffer'), find('kBufferGen'), find('kBufferCb')];
  fieldsOfSocket = buffer && gen && cb ? { buffer, gen, cb } : null;
  return fieldsOfSocket;
}

/**
 * Delivers a socket's chunks to `sink`: through the large-read path for sockets from `dialTcp` and plain TCP
 * sockets it can move there (`adoptLargeReads`), as 'data' events otherwise. Puts the stream in flowing mode either
 * way, so 'end' is emitted.
 */
export function onChunks(stream: NodeJS.ReadableStream & { resume(): unknown }, sink: Sink): void {
  const reader = readerOf(stream as Socket) ?? (stream instanceof net.Socket && adoptLargeReads(stream) ? readerOf(stream) : undefined);
  if (!reader) {
    stream.on('data', sink as (chunk: string | Buffer) => void);
    return;
  }
  reader.sink = sink;
  for (const chunk of reader.queued.splice(0)) sink(chunk);
  stream.resume();
}
