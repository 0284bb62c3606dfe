// HTTP/2 PING keepalive for HBONE sessions: a PING every 10 s, and a session that has not answered for 20 s is
// torn down (reference §2.2) so the pool and the peer stop waiting on a dead connection.
import type { Http2Session } from 'node:http2';
import { PING_INTERVAL_MS, PING_TIMEOUT_MS } from './settings.js';

export interface KeepaliveOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

export function keepalive(session: Http2Session, options: KeepaliveOptions = {}): void {
  const intervalMs = options.intervalMs ?? PING_INTERVAL_MS;
  const timeoutMs = options.timeoutMs ?? PING_TIMEOUT_MS;
  let lastAck = Date.now();
  const timer = setInterval(() => {
    if (session.destroyed || session.closed) return clearInterval(timer);
    if (Date.now() - lastAck > timeoutMs) {
      clearInterval(timer);
      session.destroy(new Error(`HBONE peer did not answer PING for ${timeoutMs} ms`));
      return;
    }
    try {
      session.ping((err) => {
        if (!err) lastAck = Date.now();
      });
    } catch {
      // Too many PINGs outstanding: the timeout above decides.
    }
  }, intervalMs);
  timer.unref();
  session.once('close', () => clearInterval(timer));
}
