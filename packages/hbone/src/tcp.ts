// Plain TCP connections on the far side of a tunnel, dialled for the data path: no Nagle, half-close kept, and
// large reads (up to 1 MiB per read() instead of 64 KiB; PERFORMANCE.md, lever 3). Such a socket emits no
// 'data' events: `splice` takes its chunks through `onChunks`.
import net, { type Socket } from 'node:net';

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

type Sink = (chunk: Buffer) => void;

interface LargeReader {
  sink: Sink | undefined;
  readonly queued: Buffer[];
}

const readers = new WeakMap<Socket, LargeReader>();

export interface DialOptions {
  readonly host: string;
  readonly port: number;
  /** Source address to bind (a workload's own IP in loopback mode). */
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

/** Connects with large reads; rejects with the socket error (ECONNREFUSED, a timeout …). */
export function dialTcp(options: DialOptions): Promise<Socket> {
  const reader: LargeReader = { sink: undefined, queued: [] };
  let bulk = false;
  let own: Buffer | undefined;
  return new Promise((resolve, reject) => {
    const socket: Socket = net.connect({
      host: options.host,
      port: options.port,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      allowHalfOpen: true,
      noDelay: true,
      onread: {
        buffer: () => (bulk ? (own ??= Buffer.allocUnsafe(READ_SIZE)) : shared),
        callback: (n, buf) => {
          let chunk: Buffer;
          if (buf === own && n >= HANDOFF_BYTES) {
            // Hand this buffer over with the chunk; the next read gets a fresh one.
            chunk = own.subarray(0, n);
            own = undefined;
          } else {
            chunk = Buffer.from(buf.subarray(0, n));
            if (buf === shared && n === SHARED_SIZE) bulk = true;
          }
          if (reader.sink) reader.sink(chunk);
          else reader.queued.push(chunk);
          // Nobody consumes yet: stop reading until a sink is attached.
          return reader.sink !== undefined;
        },
      },
    });
    readers.set(socket, reader);
    socket.setTimeout(options.timeoutMs ?? 10_000, () => socket.destroy(new Error(`connect to ${options.host}:${options.port} timed out`)));
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Delivers a socket's chunks to `sink`: through the large-read path for sockets from `dialTcp`, as 'data'
 * events otherwise. Puts the stream in flowing mode either way, so 'end' is emitted.
 */
export function onChunks(stream: NodeJS.ReadableStream & { resume(): unknown }, sink: Sink): void {
  const reader = readers.get(stream as Socket);
  if (!reader) {
    stream.on('data', sink as (chunk: string | Buffer) => void);
    return;
  }
  reader.sink = sink;
  for (const chunk of reader.queued.splice(0)) sink(chunk);
  stream.resume();
}
