// Runs the SOCKS5 greeting and request on an accepted socket: resolves with the destination and any bytes the
// client already sent after the request, or refuses (reply sent, socket ended) on malformed input or a timeout.
// A client that sends greeting and request together is not waiting for the method reply: it is held back and goes
// out in one write with the answer to the request (one write(2), and one wake-up of the client, fewer).
import type { Socket } from 'node:net';
import { METHOD_NO_AUTH, methodReply, parseGreeting, parseRequest, type Parsed, type SocksDestination } from './codec.js';

export type Handshake =
  | {
      readonly kind: 'ok';
      readonly destination: SocksDestination;
      readonly early: Buffer;
      /** Bytes owed to the client before the request's reply (the held-back method reply), or empty. */
      readonly replyPrefix: Buffer;
    }
  | { readonly kind: 'refused'; readonly reason: string };

const NO_AUTH = methodReply(METHOD_NO_AUTH);
const NOTHING = Buffer.alloc(0);

/** Requests larger than this are malformed (a name is at most 255 bytes). */
const MAX_BUFFERED = 512;

export function socksHandshake(socket: Socket, timeoutMs: number): Promise<Handshake> {
  // A reset at any point is handled by whoever owns the socket next; it must never be an uncaught error.
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    let buffered: Buffer = NOTHING;
    let stage: 'greeting' | 'request' = 'greeting';
    const finish = (result: Handshake, replyBytes?: Buffer): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
      if (result.kind === 'refused') {
        if (replyBytes && socket.writable) socket.end(replyBytes);
        else socket.destroy();
      } else {
        socket.pause();
      }
      resolve(result);
    };
    const refuse = <T>(parsed: Extract<Parsed<T>, { kind: 'error' }>, owed?: Buffer): void => {
      const bytes = owed && parsed.reply ? Buffer.concat([owed, parsed.reply]) : (parsed.reply ?? owed);
      finish({ kind: 'refused', reason: parsed.reason }, bytes);
    };
    const onData = (chunk: Buffer): void => {
      // Each 'data' chunk is a buffer of its own: the first needs no copy.
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      let owed: Buffer | undefined;
      if (stage === 'greeting') {
        const greeting = parseGreeting(buffered);
        if (greeting.kind === 'error') return refuse(greeting);
        if (greeting.kind === 'incomplete') return checkSize();
        owed = NO_AUTH;
        buffered = buffered.subarray(greeting.consumed);
        stage = 'request';
      }
      const request = parseRequest(buffered);
      if (request.kind === 'incomplete') {
        // The client may be waiting for the method reply before it sends the request.
        if (owed) socket.write(owed);
        return checkSize();
      }
      if (request.kind === 'error') return refuse(request, owed);
      finish({ kind: 'ok', destination: request.value, early: buffered.subarray(request.consumed), replyPrefix: owed ?? NOTHING });
    };
    const checkSize = (): void => {
      if (buffered.length > MAX_BUFFERED) finish({ kind: 'refused', reason: `${buffered.length} bytes without a complete ${stage}` });
    };
    const onEnd = (): void => finish({ kind: 'refused', reason: `client went away during the ${stage}` });
    const timer = setTimeout(() => finish({ kind: 'refused', reason: `no complete ${stage} within ${timeoutMs} ms` }), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
    socket.once('close', onEnd);
  });
}
