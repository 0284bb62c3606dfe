// Runs the SOCKS5 greeting and request on an accepted socket: resolves with the destination and any bytes the
// client already sent after the request, or refuses (reply sent, socket ended) on malformed input or a timeout.
import type { Socket } from 'node:net';
import { METHOD_NO_AUTH, methodReply, parseGreeting, parseRequest, type Parsed, type SocksDestination } from './codec.js';

export type Handshake =
  | { readonly kind: 'ok'; readonly destination: SocksDestination; readonly early: Buffer }
  | { readonly kind: 'refused'; readonly reason: string };

/** Requests larger than this are malformed (a name is at most 255 bytes). */
const MAX_BUFFERED = 512;

export function socksHandshake(socket: Socket, timeoutMs: number): Promise<Handshake> {
  // A reset at any point is handled by whoever owns the socket next; it must never be an uncaught error.
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
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
    const refuse = <T>(parsed: Extract<Parsed<T>, { kind: 'error' }>): void => finish({ kind: 'refused', reason: parsed.reason }, parsed.reply);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (stage === 'greeting') {
        const greeting = parseGreeting(buffered);
        if (greeting.kind === 'error') return refuse(greeting);
        if (greeting.kind === 'incomplete') return checkSize();
        socket.write(methodReply(METHOD_NO_AUTH));
        buffered = buffered.subarray(greeting.consumed);
        stage = 'request';
      }
      const request = parseRequest(buffered);
      if (request.kind === 'error') return refuse(request);
      if (request.kind === 'incomplete') return checkSize();
      finish({ kind: 'ok', destination: request.value, early: buffered.subarray(request.consumed) });
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
